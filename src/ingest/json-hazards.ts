/**
 * JSON the Khronos glTF Validator cannot survive. The validator (compiled from Dart)
 * throws from inside its own event loop, past the promise `validateBytes` returns, on
 * JSON nested thousands of levels deep (its recursive conversion overflows the stack)
 * and on a number too large for a double (`1e400` parses as Infinity, and `Infinity.toInt()`
 * throws). Such a file is not a glTF anyone exported; it is screened out before the
 * validator sees it, so it becomes a clear reason, not a crashed ingest.
 *
 * ```ts
 * jsonHazard(new TextEncoder().encode('{"asset":{"version":"2.0"},"x":1e999}'))   // 'holds a number too large …'
 * ```
 */
import { LIMITS } from '../limits.js';

const GLB_MAGIC = 0x46546c67;

/** The JSON text of a .gltf, or of a GLB's first chunk (as far as the file goes). */
function jsonBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < 20) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) return bytes;
  return bytes.subarray(20, Math.min(bytes.byteLength, 20 + view.getUint32(12, true)));
}

/** Why this glTF JSON must not reach the validator, or null. Scans the text once; strings are skipped. */
export function jsonHazard(bytes: Uint8Array, maxDepth: number = LIMITS.maxGltfJsonDepth): string | null {
  const text = jsonBytes(bytes);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (byte === 0x22) {
      // A string: skip to its closing quote, past escapes.
      for (i++; i < text.length && text[i] !== 0x22; i++) if (text[i] === 0x5c) i++;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > maxDepth) return `The glTF JSON nests more than ${maxDepth} levels deep`;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
      let end = i + 1;
      while (end < text.length && /[0-9eE.+-]/.test(String.fromCharCode(text[end]))) end++;
      const literal = new TextDecoder().decode(text.subarray(i, end));
      if (Math.abs(Number(literal)) === Infinity) {
        return `The glTF JSON holds a number too large to represent (${literal.length > 24 ? `${literal.slice(0, 20)}… (${literal.length} digits)` : literal})`;
      }
      i = end - 1;
    }
  }
  return null;
}
