/**
 * Decides what an unpacked model archive holds: exactly one glTF (a .gltf with its .bin
 * and textures, or a .glb) or exactly one OBJ scan. Anything else is `invalid_format`,
 * naming what was found. A glTF wins over an OBJ in the same archive (exporters often
 * add one beside the other), but two of either kind are ambiguous and refused.
 *
 * ```ts
 * const contents = classifyArchive(files);   // { kind: 'obj', model: { name: 'scan/model.obj', … } }
 * const resources = await filesBeside(contents.model, files);
 * ```
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import type { ExtractedFile } from './zip-archive.js';

export interface ArchiveContents {
  kind: 'gltf' | 'glb' | 'obj';
  model: ExtractedFile;
}

const listed = (files: ExtractedFile[]) => files.map((file) => JSON.stringify(file.name)).join(', ');

export function classifyArchive(files: ExtractedFile[]): ArchiveContents {
  const byExtension = (extension: string) => files.filter((file) => file.name.toLowerCase().endsWith(extension));
  const gltfs = [...byExtension('.gltf'), ...byExtension('.glb')];
  const objs = byExtension('.obj');
  if (gltfs.length > 1) throw new RenderbayError('invalid_format', `The archive holds more than one glTF model (${listed(gltfs)}); upload one model per archive`);
  if (gltfs.length === 1) return { kind: gltfs[0].name.toLowerCase().endsWith('.glb') ? 'glb' : 'gltf', model: gltfs[0] };
  if (objs.length > 1) throw new RenderbayError('invalid_format', `The archive holds more than one OBJ (${listed(objs)}); upload one scan per archive`);
  if (objs.length === 1) return { kind: 'obj', model: objs[0] };
  const names = files.slice(0, 10).map((file) => file.name).join(', ');
  throw new RenderbayError('invalid_format', `The archive holds no .obj, .gltf or .glb model${files.length > 0 ? ` (found: ${names}${files.length > 10 ? ', …' : ''})` : ' (it is empty)'}`);
}

/** Every other file below the model's folder, keyed by its path relative to the model (forward slashes). */
export async function filesBeside(model: ExtractedFile, files: ExtractedFile[]): Promise<Map<string, Uint8Array>> {
  const folder = path.posix.dirname(model.name);
  const prefix = folder === '.' ? '' : `${folder}/`;
  const beside = new Map<string, Uint8Array>();
  for (const file of files) {
    if (file === model || !file.name.startsWith(prefix)) continue;
    beside.set(file.name.slice(prefix.length), new Uint8Array(await readFile(file.path)));
  }
  return beside;
}
