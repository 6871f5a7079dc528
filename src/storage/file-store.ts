/**
 * Content-addressed file store under the data directory: every file is stored once,
 * under its SHA-256 (`store/ab/cd/abcd…`). Files arrive as temp files in the same
 * filesystem and are renamed into place, so a stored file is always complete.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface StoredFile {
  /** The SHA-256 of the content, hex. */
  key: string;
  size: number;
}

export class FileStore {
  readonly root: string;
  /** Scratch space for uploads, downloads and renders in progress (same filesystem as the store). */
  readonly tempDirectory: string;

  constructor(dataDirectory: string) {
    this.root = path.join(dataDirectory, 'store');
    this.tempDirectory = path.join(dataDirectory, 'tmp');
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

  /** Moves a finished temp file into the store. `sha256` when already known (computed while streaming). */
  async put(tempPath: string, sha256?: string): Promise<StoredFile> {
    const key = sha256 ?? (await hashFile(tempPath));
    const { size } = await stat(tempPath);
    const destination = this.pathOf(key);
    if (existsSync(destination)) {
      await rm(tempPath, { force: true });
    } else {
      await mkdir(path.dirname(destination), { recursive: true });
      await rename(tempPath, destination);
    }
    return { key, size };
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Empties the scratch space (at startup: anything there belongs to a process that died). */
  async clearTemp(): Promise<void> {
    await rm(this.tempDirectory, { recursive: true, force: true });
    await mkdir(this.tempDirectory, { recursive: true });
  }
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
