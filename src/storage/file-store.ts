/**
 * Content-addressed file store under the data directory: every file is stored once,
 * under its SHA-256 (`store/ab/cd/abcd…`). Files arrive as temp files in the same
 * filesystem and are renamed into place, so a stored file is always complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32 as zlibCrc32 } from 'node:zlib';

export interface StoredFile {
  /** The SHA-256 of the content, hex. */
  key: string;
  size: number;
  /** The content's CRC-32, when the store computed the hash itself (render outputs): zip bundles need it up front. */
  crc32?: number;
}

export class FileStore {
  readonly root: string;
  /**
   * This process's scratch space for uploads, downloads and renders in progress: a private
   * folder under `tmp/` (named after the pid), on the same filesystem as the store so
   * finished files are renamed into it. Other processes may share the data directory.
   */
  readonly tempDirectory: string;
  private readonly tempRoot: string;

  constructor(dataDirectory: string) {
    this.root = path.join(dataDirectory, 'store');
    this.tempRoot = path.join(dataDirectory, 'tmp');
    this.tempDirectory = path.join(this.tempRoot, `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(this.root, { recursive: true });
    mkdirSync(this.tempDirectory, { recursive: true });
  }

  pathOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`invalid file key ${key}`);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  has(key: string): boolean {
    return existsSync(this.pathOf(key));
  }

  /**
   * Moves a finished temp file into the store. `sha256` when already known (computed while
   * streaming); otherwise the file is read once for its SHA-256 and CRC-32.
   */
  async put(tempPath: string, sha256?: string): Promise<StoredFile> {
    const digest = sha256 ? { sha256, crc32: undefined } : await digestFile(tempPath);
    const key = digest.sha256;
    const { size } = await stat(tempPath);
    const destination = this.pathOf(key);
    if (existsSync(destination)) {
      await rm(tempPath, { force: true });
    } else {
      await mkdir(path.dirname(destination), { recursive: true });
      await rename(tempPath, destination);
    }
    return digest.crc32 === undefined ? { key, size } : { key, size, crc32: digest.crc32 };
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /**
   * Removes the scratch folders of processes that are gone (a crash leaves them behind,
   * and a killed process's render worker may still be writing for a moment, so this is
   * repeated from time to time). Folders of live processes, this one's included, are never
   * touched: they may hold uploads in flight.
   */
  async sweepTemp(isAlive: (pid: number) => boolean): Promise<void> {
    for (const entry of await readdir(this.tempRoot).catch(() => [] as string[])) {
      const folder = path.join(this.tempRoot, entry);
      if (folder === this.tempDirectory) continue;
      const owner = Number(/^(\d+)-/.exec(entry)?.[1]);
      if (!isAlive(owner)) await rm(folder, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    }
  }

  /** Removes this process's scratch folder (at shutdown). */
  async removeOwnTemp(): Promise<void> {
    await rm(this.tempDirectory, { recursive: true, force: true });
  }
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** SHA-256 (hex) and CRC-32 of a file, in one read. */
export async function digestFile(file: string): Promise<{ sha256: string; crc32: number }> {
  const hash = createHash('sha256');
  let crc32 = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    crc32 = zlibCrc32(chunk as Buffer, crc32);
  }
  return { sha256: hash.digest('hex'), crc32 };
}

/** CRC-32 of a file (for stored files whose record predates it). */
export async function crc32OfFile(file: string): Promise<number> {
  let crc32 = 0;
  for await (const chunk of createReadStream(file)) crc32 = zlibCrc32(chunk as Buffer, crc32);
  return crc32;
}
