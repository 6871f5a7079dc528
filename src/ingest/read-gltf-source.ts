/**
 * Reads an uploaded GLB or glTF into a glTF-Transform document, with the same guards the
 * renderer applies: the GLB container and every index, offset and length are checked
 * against the real buffers before glTF-Transform sees them, Draco and meshopt geometry is
 * decoded, and extensions Renderbay cannot decode are refused by name.
 *
 * A .gltf's URIs resolve only to `data:` URIs or to files handed over by the caller (the
 * other files of an uploaded archive, by path relative to the .gltf). A URI with a scheme
 * (`file:`, `http:`), an absolute path, a drive letter or a `..` segment is refused: a
 * model never makes Renderbay read the disk or reach the network.
 *
 * ```ts
 * const source = await readGltfSource({ kind: 'glb', bytes });
 * source.document.getRoot().listMeshes();
 * ```
 */
import type { Document } from '@gltf-transform/core';
import { ALL_EXTENSIONS, KHRTextureBasisu } from '@gltf-transform/extensions';
import { isGlb, readGlbContainer } from '../../renderer/load/glb-container.js';
import { parseGltfJson } from '../../renderer/load/read-model.js';
import { validateGltfStructure } from '../../renderer/load/validate-structure.js';
import { RenderbayError } from '../errors.js';
import { createGltfIO, GEOMETRY_COMPRESSION_EXTENSIONS } from './gltf-io.js';

export type GltfSourceInput =
  | { kind: 'glb'; bytes: Uint8Array }
  | {
      kind: 'gltf';
      bytes: Uint8Array;
      /** Files next to the .gltf, by relative path with forward slashes (empty for a lone .gltf upload). */
      files: ReadonlyMap<string, Uint8Array>;
    };

export interface GltfSource {
  document: Document;
  /** The glTF JSON as uploaded (before any URI was rewritten). */
  extensionsUsed: string[];
  extensionsRequired: string[];
}

/** Extensions Renderbay can read but cannot decode for rendering. */
const UNDECODABLE = new Set<string>([KHRTextureBasisu.EXTENSION_NAME]);
const KNOWN = new Set<string>([...ALL_EXTENSIONS.map((extension) => extension.EXTENSION_NAME), ...GEOMETRY_COMPRESSION_EXTENSIONS]);

const invalid = (message: string) => new RenderbayError('invalid_model', message);

/** Why a glTF URI may not be followed, or null for a plain relative path. */
export function unsafeUri(uri: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    return 'it is not a valid URI';
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(decoded)) return /^[a-zA-Z]:[\\/]/.test(decoded) ? 'it is an absolute Windows path' : `the ${decoded.split(':')[0]}: scheme is not allowed`;
  if (decoded.startsWith('/') || decoded.startsWith('\\')) return 'it is an absolute path';
  if (decoded.split(/[\\/]/).includes('..')) return 'it climbs out of the model\'s folder with ".."';
  return null;
}

/**
 * Replaces every buffer and image URI by a key into the returned resources: data: URIs
 * are decoded, relative paths are looked up in `files`. Mutates `json`.
 */
function resolveResources(json: Record<string, unknown>, files: ReadonlyMap<string, Uint8Array>): Record<string, Uint8Array> {
  const resources: Record<string, Uint8Array> = {};
  const items = [
    ...((json.buffers as { uri?: unknown }[] | undefined) ?? []).map((item, index) => ({ item, label: `buffer ${index}` })),
    ...((json.images as { uri?: unknown; mimeType?: string }[] | undefined) ?? []).map((item, index) => ({ item, label: `image ${index}` })),
  ];
  let next = 0;
  for (const { item, label } of items) {
    if (typeof item !== 'object' || item === null || typeof item.uri !== 'string') continue;
    const uri = item.uri;
    const key = `renderbay-resource-${next++}`;
    if (uri.startsWith('data:')) {
      const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(uri);
      if (!match) throw invalid(`${label} has a malformed data: URI`);
      resources[key] = match[2] ? Buffer.from(match[3], 'base64') : Buffer.from(decodeURIComponent(match[3]), 'utf8');
      const image = item as { mimeType?: string };
      if (label.startsWith('image') && match[1] && !image.mimeType) image.mimeType = match[1];
    } else {
      const problem = unsafeUri(uri);
      if (problem) throw invalid(`${label} refers to ${JSON.stringify(uri)}, which is refused: ${problem}. Only data: URIs and files inside the upload are read`);
      const relative = decodeURIComponent(uri).replace(/\\/g, '/').replace(/^\.\//, '');
      const bytes = files.get(relative);
      if (!bytes) {
        throw invalid(
          files.size === 0
            ? `${label} refers to ${JSON.stringify(uri)}, which was not uploaded: upload a .glb, or a .zip with the .gltf and its files`
            : `${label} refers to ${JSON.stringify(uri)}, which is not in the archive`,
        );
      }
      resources[key] = bytes;
    }
    item.uri = key;
  }
  return resources;
}

export async function readGltfSource(input: GltfSourceInput): Promise<GltfSource> {
  let json: Record<string, unknown>;
  let resources: Record<string, Uint8Array> = {};
  let bufferLengths: number[];
  if (input.kind === 'glb') {
    if (!isGlb(input.bytes)) throw new RenderbayError('invalid_format', 'Not a GLB file');
    const container = readGlbContainer(input.bytes);
    if (typeof container.json !== 'object' || container.json === null) throw invalid('The GLB JSON chunk is not an object');
    json = container.json as Record<string, unknown>;
    bufferLengths = [container.bin?.byteLength ?? 0];
  } else {
    const parsed = parseGltfJson(input.bytes);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('The glTF JSON is not an object');
    json = parsed as Record<string, unknown>;
    resources = resolveResources(json, input.files);
    const buffers = (json.buffers as { uri?: string }[] | undefined) ?? [];
    bufferLengths = buffers.map((buffer) => (buffer?.uri ? resources[buffer.uri]?.byteLength ?? 0 : 0));
  }
  validateGltfStructure(json, bufferLengths);
  const names = (value: unknown) => (Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : []);
  const extensionsUsed = names(json.extensionsUsed);
  const extensionsRequired = names(json.extensionsRequired);
  const undecodable = extensionsUsed.filter((name) => UNDECODABLE.has(name));
  const unknownRequired = extensionsRequired.filter((name) => !KNOWN.has(name));
  if (undecodable.length > 0 || unknownRequired.length > 0) {
    const named = [...new Set([...undecodable, ...unknownRequired])];
    throw new RenderbayError(
      'unsupported_extension',
      `The model uses ${named.join(', ')}, which Renderbay cannot decode${undecodable.includes('KHR_texture_basisu') ? ' (KTX2/Basis textures: re-export with PNG, JPEG or WebP textures)' : ''}`,
    );
  }
  const io = await createGltfIO(extensionsUsed);
  let document: Document;
  try {
    document =
      input.kind === 'glb'
        ? await io.readBinary(input.bytes)
        : await io.readJSON({ json: json as never, resources: resources as Record<string, Uint8Array<ArrayBuffer>> });
  } catch (error) {
    if (error instanceof RenderbayError) throw error;
    throw invalid(`The model could not be read: ${(error as Error).message}`);
  }
  return { document, extensionsUsed, extensionsRequired };
}
