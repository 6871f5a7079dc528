/**
 * Decides what an uploaded or downloaded file is from its first bytes, not its name:
 * GLB ('glTF' magic), glTF JSON ('{'), or a ZIP ('PK\x03\x04': an OBJ scan or a glTF folder,
 * unpacked and checked by src/ingest/).
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { RenderbayError } from '../errors.js';

export type ModelFormat = 'glb' | 'gltf' | 'zip';

const MODEL_EXTENSIONS = new Set(['.glb', '.gltf', '.zip']);

/**
 * A file the user named (an upload, a local file) must be called like a model, or have
 * no extension at all; its content is checked after this in any case. URL downloads are
 * exempt: their name is whatever the URL or the server made of it.
 */
export function assertModelFileName(originalName: string): void {
  const extension = path.extname(originalName).toLowerCase();
  if (extension !== '' && !MODEL_EXTENSIONS.has(extension)) throw notAModel(originalName);
}

export async function sniffModelFormat(file: string, originalName: string): Promise<ModelFormat> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(64);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (head.subarray(0, 4).toString('latin1') === 'glTF') return 'glb';
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{')) return 'gltf';
  throw notAModel(originalName);
}

function notAModel(originalName: string): RenderbayError {
  return new RenderbayError('invalid_format', `${originalName} is not a .glb, .gltf or .zip (OBJ scan or glTF folder) file`);
}
