/**
 * Decides what an uploaded or downloaded file is from its first bytes, not its name:
 * GLB ('glTF' magic), glTF JSON ('{'), or a ZIP ('PK\x03\x04': an OBJ scan or a glTF folder,
 * unpacked and checked by src/ingest/).
 *
 * A file that is none of them is refused with `invalid_format` and a message that says
 * what is wrong, measured against what its name promises:
 * "x.glb is not a GLB: bad magic (expected 'glTF', found 89 50 4E 47: a PNG image)".
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { RenderbayError } from '../errors.js';

export type ModelFormat = 'glb' | 'gltf' | 'zip';

const GLB_MAGIC = Buffer.from('glTF', 'latin1');
const ZIP_LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** The end-of-central-directory record: what a zip with no entries starts with. */
const ZIP_EMPTY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** Files people upload by mistake, named by their signature, so the message can say what was sent instead. */
const KNOWN_SIGNATURES: [signature: Buffer, what: string][] = [
  [Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'a PNG image'],
  [Buffer.from([0xff, 0xd8, 0xff]), 'a JPEG image'],
  [Buffer.from('GIF8', 'latin1'), 'a GIF image'],
  [Buffer.from('%PDF', 'latin1'), 'a PDF document'],
  [Buffer.from([0x1f, 0x8b]), 'a gzip file'],
  [Buffer.from('Rar!', 'latin1'), 'a RAR archive'],
  [Buffer.from([0x37, 0x7a, 0xbc, 0xaf]), 'a 7-Zip archive'],
  [Buffer.from('Kaydara FBX', 'latin1'), 'an FBX model'],
  [ZIP_EMPTY, 'an empty zip'],
];

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
  const buffer = Buffer.alloc(64);
  let bytesRead: number;
  try {
    ({ bytesRead } = await handle.read(buffer, 0, buffer.length, 0));
  } finally {
    await handle.close();
  }
  const head = buffer.subarray(0, bytesRead);
  if (startsWith(head, GLB_MAGIC)) return 'glb';
  if (startsWith(head, ZIP_LOCAL_HEADER)) return 'zip';
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{')) return 'gltf';
  throw new RenderbayError('invalid_format', whatIsWrong(originalName, head));
}

/** Why `head` is not the format the file's name promises (or any of them, for another name). */
function whatIsWrong(name: string, head: Buffer): string {
  if (head.length === 0) return `${name} is empty`;
  const found = describeStart(head);
  switch (path.extname(name).toLowerCase()) {
    case '.glb':
      return `${name} is not a GLB: bad magic (expected 'glTF', found ${found})`;
    case '.gltf':
      return `${name} is not glTF JSON: it should start with '{' (found ${found})`;
    case '.zip':
      return `${name} is not a zip archive: bad signature (expected 'PK\\x03\\x04', found ${found})`;
    default:
      return `${name} is not a .glb, .gltf or .zip: it starts with neither the GLB magic 'glTF', '{' (glTF JSON) nor a zip signature (found ${found})`;
  }
}

/** The first bytes as hex (and as text when printable), plus what they are when recognised. */
function describeStart(head: Buffer): string {
  const start = head.subarray(0, 4);
  const hex = [...start].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  const printable = [...start].every((byte) => byte >= 0x20 && byte < 0x7f);
  const known = KNOWN_SIGNATURES.find(([signature]) => startsWith(head, signature))?.[1];
  return `${printable ? `'${start.toString('latin1')}'` : hex}${known ? `: ${known}` : ''}`;
}

function startsWith(head: Buffer, signature: Buffer): boolean {
  return head.length >= signature.length && head.subarray(0, signature.length).equals(signature);
}

function notAModel(originalName: string): RenderbayError {
  return new RenderbayError('invalid_format', `${originalName} is not a .glb, .gltf or .zip (OBJ scan or glTF folder) file`);
}
