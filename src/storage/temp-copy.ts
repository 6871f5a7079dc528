/**
 * A private copy of a file named by path (an MCP stdio client's local file, or one the
 * operator names on the command line), taken into the store's temp directory and hashed,
 * ready for the same service functions an upload reaches. The original is never moved or
 * changed, and a symlink at the last component is never followed.
 */
import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RenderbayError } from '../errors.js';
import { hashFile } from './file-store.js';

export interface LocalFile {
  /** The copy in the store's temp directory; the caller owns it (the services move it into the store or delete it). */
  path: string;
  sha256: string;
  bytes: number;
  filename: string;
}

/**
 * O_NOFOLLOW: if the checked path was swapped for a symlink since, opening it fails.
 * O_NONBLOCK: a named pipe opens at once (and is then refused as not a file) instead of
 * waiting for a writer. Both are absent on Windows, where there is nothing more to ask.
 */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Copies `source` (already checked, or named by the operator on the command line) into
 * `tempDirectory` and hashes it, without following a symlink at the last component.
 */
export async function copyFileToTemp(source: string, tempDirectory: string, maxBytes: number): Promise<LocalFile> {
  const handle = await open(source, READ_FLAGS).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw new RenderbayError('path_not_allowed', `${source} changed into a symlink while it was being read`, 400);
    if (error.code === 'ENOENT') throw new RenderbayError('file_not_found', `${source} does not exist`, 404);
    throw error;
  });
  const copy = path.join(tempDirectory, `local-${randomUUID()}.part`);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new RenderbayError('invalid_request', `${source} is not a file`, 400);
    if (info.size > maxBytes) throw tooLarge(maxBytes);
    // One byte past the limit is enough to know the file grew beyond it since it was checked.
    await pipeline(handle.createReadStream({ start: 0, end: maxBytes, autoClose: false }), createWriteStream(copy, { flags: 'wx' }));
    const { size } = await lstat(copy);
    if (size > maxBytes) throw tooLarge(maxBytes);
    return { path: copy, sha256: await hashFile(copy), bytes: size, filename: path.basename(source) };
  } catch (error) {
    await rm(copy, { force: true });
    throw error;
  } finally {
    await handle.close();
  }
}

function tooLarge(maxBytes: number): RenderbayError {
  return new RenderbayError('file_too_large', `File is larger than the ${maxBytes / (1024 * 1024)} MB limit`, 400);
}
