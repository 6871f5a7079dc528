/**
 * Streams a ZIP of several stored files (a render's bundle) to the client as it is built:
 * 4K ProRes bundles run to gigabytes, so the archive never exists in memory or on disk, and
 * only the entry being copied has a file open.
 *
 * Decisions:
 * - Media (MP4, MOV, PNG) is STOREd: it is compressed already and deflate would only burn
 *   CPU; small text (JSON poses, OBJ/MTL, …) is deflated.
 * - No Content-Length (chunked): exact sizes are not worth a second pass, and yazl switches
 *   to ZIP64 by itself past 4 GB.
 * - Every file is stat'ed before the first byte goes out, so a missing one still becomes a
 *   normal `file_not_found` error envelope instead of a truncated download.
 * - Entry names are made safe for any unzip tool: no `..`, no leading `/`, no drive letters
 *   or control characters, no two entries with the same name (`-2`, `-3` … are appended).
 * - A client that disconnects ends the stream and closes the open file; the promise resolves.
 *   A read error mid-stream destroys the response and rejects, for logging only.
 *
 * @example
 * await sendZip(response, [{ name: 'video.mp4', path: videoPath }], `render-${id}.zip`);
 */
import { createReadStream, type ReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { RenderbayError } from '../errors.js';
import { attachmentDisposition } from './content-disposition.js';
import { isClientGone } from './send-file.js';

export interface ZipEntry {
  /** The name inside the zip; sanitised. */
  name: string;
  /** The file on disk. */
  path: string;
}

const DEFLATE_EXTENSIONS = new Set(['.json', '.txt', '.csv', '.md', '.obj', '.mtl', '.gltf', '.xml', '.svg', '.html']);

export async function sendZip(response: ServerResponse, entries: ZipEntry[], downloadName: string): Promise<void> {
  const names = uniqueNames(entries.map((entry, index) => sanitizeEntryName(entry.name, `file-${index + 1}`)));
  const stats = await Promise.all(entries.map((entry) => statFile(entry.path)));

  const zip = new ZipFile();
  let current: ReadStream | null = null;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    current?.destroy();
  };
  response.writeHead(200, {
    'Content-Type': 'application/zip',
    'Content-Disposition': attachmentDisposition(downloadName),
  });
  const done = new Promise<void>((resolve, reject) => {
    zip.on('error', (error: Error) => {
      if (stopped) return;
      stop();
      response.destroy();
      reject(error);
    });
    pipeline(zip.outputStream, response).then(resolve, (error: unknown) => {
      if (stopped) return;
      stop();
      if (isClientGone(error)) return resolve();
      response.destroy();
      reject(error);
    });
  });

  entries.forEach((entry, index) => {
    const options = { size: stats[index]!.size, mtime: stats[index]!.mtime, compress: shouldDeflate(names[index]!) };
    zip.addReadStreamLazy(names[index]!, options, (callback) => {
      // After an abort yazl may still ask for the next entry: open nothing.
      if (stopped) return callback(new Error('zip stream stopped'), undefined as never);
      const input = createReadStream(entry.path);
      // yazl pipes this stream without listening for its errors.
      input.on('error', (error) => zip.emit('error', error));
      current = input;
      callback(null, input);
    });
  });
  zip.end();
  return done;
}

/** A relative path with only real name segments; `fallback` when nothing is left. */
export function sanitizeEntryName(name: string, fallback: string): string {
  const segments = name
    .replace(/\\/g, '/')
    .split('/')
    .map((segment) => segment.replace(/[\u0000-\u001f\u007f:*?"<>|]/g, '_').trim())
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
  return segments.join('/') || fallback;
}

/** Case-insensitive, as on Windows and macOS file systems. */
function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    const extension = path.posix.extname(name);
    const stem = name.slice(0, name.length - extension.length);
    for (let counter = 2; taken.has(candidate.toLowerCase()); counter += 1) {
      candidate = `${stem}-${counter}${extension}`;
    }
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

function shouldDeflate(name: string): boolean {
  return DEFLATE_EXTENSIONS.has(path.posix.extname(name).toLowerCase());
}

async function statFile(filePath: string): Promise<Stats> {
  const stats = await stat(filePath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!stats || !stats.isFile()) throw new RenderbayError('file_not_found', 'File not found', 404);
  return stats;
}
