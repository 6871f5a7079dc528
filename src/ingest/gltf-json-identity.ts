/**
 * Tells glTF JSON from any other file that starts with "{": a glTF document parses as a
 * JSON object with an `asset` object whose `version` is a string (glTF 2.0 requires it).
 * Anything else is not a model at all and is refused (`invalid_format`) before anything
 * is stored: a settings file or a secret that happens to be JSON must never become an
 * "invalid" model whose bytes `GET /models/:id/file` would then serve back. A file that
 * is glTF but broken still becomes an invalid model with the reason, as before.
 *
 * ```ts
 * assertGltfJson(bytes, 'The file');   // throws invalid_format for {"token": "…"}
 * ```
 */
import { RenderbayError } from '../errors.js';

export function assertGltfJson(bytes: Uint8Array, label: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, ''));
  } catch {
    throw notGltf(label, 'it is not valid JSON');
  }
  const asset = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { asset?: unknown }).asset : undefined;
  const version = typeof asset === 'object' && asset !== null ? (asset as { version?: unknown }).version : undefined;
  if (typeof version !== 'string') throw notGltf(label, 'it is JSON without the asset.version every glTF file has');
}

function notGltf(label: string, why: string): RenderbayError {
  return new RenderbayError('invalid_format', `${label} is not a glTF model: ${why}. Upload a .glb, a .gltf or a .zip (OBJ scan or glTF folder)`);
}
