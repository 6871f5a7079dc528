/**
 * Content-addressed file store under the data directory: every file is stored once,
 * under its SHA-256 (`store/ab/cd/abcd…`). Files arrive as temp files in the same
 * filesystem and are linked (or renamed) into place, so a stored file is always complete.
 * Which stored files are still needed is decided in one place, src/storage/file-references.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { isObjectKey, putUnlessPresent, type ObjectStore } from './object-store.js';

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
  /**
   * A render farm's shared object store (`--store`), or null (the embedded default). When
   * set, every file placed here is also put there (workers on other machines read models,
   * overlays and environments from it), and a file given back here is deleted there too.
   * The data directory keeps its copy: the control plane serves and reads from it without
   * a round trip, and streams from the object store a file it no longer holds.
   */
  remote: ObjectStore | null = null;
  /** `serve --store-presign-seconds`: asset downloads redirect to presigned URLs of `remote` valid this long. */
  presignSeconds: number | null = null;
  /** Told about object store failures nobody awaits (a delete that failed leaves the object to `gc --store`). */
  onRemoteError: (message: string) => void = () => undefined;
  /** Keys known to be in `remote` (placed or seen there by this process). */
  private readonly remoteKeys = new Set<string>();
  /**
   * Deletes from `remote` still in flight, by key. A put of the same key waits for the delete
   * first: otherwise its existence check could see the object the delete is about to remove,
   * skip the upload, and leave a referenced key missing from the store.
   */
  private readonly remoteRemovals = new Map<string, Promise<void>>();
  /** Uploads to `remote` in flight, by key: a delete waits for them, so that a late upload never brings back an object deleted after it began. */
  private readonly remoteUploads = new Map<string, Promise<void>>();

  constructor(dataDirectory: string) {
    this.root = path.join(dataDirectory, 'store');
    this.tempRoot = path.join(dataDirectory, 'tmp');
    this.tempDirectory = path.join(this.tempRoot, `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(this.root, { recursive: true });
    mkdirSync(this.tempDirectory, { recursive: true });
  }

  pathOf(key: string): string {
    if (!isObjectKey(key)) throw new Error(`invalid file key ${key}`);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  has(key: string): boolean {
    return existsSync(this.pathOf(key));
  }

  /**
   * Makes the store hold a finished temp file's content under its SHA-256 (`sha256` when
   * already known, computed while streaming). The temp file stays where it is (the store
   * gets a hard link, or a copy where links are not supported) so that the caller can
   * place it again should a collector remove the stored copy before the caller's database
   * reference commits: see src/storage/file-references.ts for the protocol, which every
   * writer goes through.
   */
  async place(tempPath: string, sha256?: string): Promise<StoredFile> {
    const digest = sha256 ? { sha256, crc32: undefined } : await digestFile(tempPath); // CRC-32 for the bundle zip
    const key = digest.sha256;
    const { size } = await stat(tempPath);
    const destination = this.pathOf(key);
    for (let attempt = 0; !existsSync(destination); attempt++) {
      await mkdir(path.dirname(destination), { recursive: true });
      try {
        await link(tempPath, destination);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') break;
        // The fan-out folder was pruned by a collector between mkdir and link: make it again.
        if (code === 'ENOENT' && attempt < 3) continue;
        if (code === 'ENOENT') throw error;
        // No hard links on this filesystem: copy beside the store, then rename (atomic, never a partial file).
        const copy = path.join(this.tempDirectory, `place-${randomBytes(6).toString('hex')}`);
        await copyFile(tempPath, copy);
        await rename(copy, destination);
      }
    }
    if (this.remote) await this.putRemote(key, destination);
    return digest.crc32 === undefined ? { key, size } : { key, size, crc32: digest.crc32 };
  }

  /** Makes the object store hold a stored file (uploads it unless it is known to be there). */
  async putRemote(key: string, file = this.pathOf(key)): Promise<void> {
    if (!this.remote) return;
    for (let removal = this.remoteRemovals.get(key); removal; removal = this.remoteRemovals.get(key)) await removal;
    if (this.remoteKeys.has(key)) return;
    const remote = this.remote;
    const upload = (async () => putUnlessPresent(remote, key, file, (await stat(file)).size))();
    this.remoteUploads.set(key, upload);
    try {
      await upload;
    } finally {
      if (this.remoteUploads.get(key) === upload) this.remoteUploads.delete(key);
    }
    // A delete that started meanwhile wins: it was decided after this put began.
    if (!this.remoteRemovals.has(key)) this.remoteKeys.add(key);
  }

  /**
   * Records that the object store holds `key` (a worker uploaded it), so that placing it does
   * not ask again — unless this process is deleting it: then the next put checks for itself.
   */
  noteRemote(key: string): void {
    if (!this.remoteRemovals.has(key)) this.remoteKeys.add(key);
  }

  /** Whether the object store holds `key` (asked once, then remembered until this process deletes it). */
  async inRemote(key: string): Promise<boolean> {
    if (!this.remote || this.remoteRemovals.has(key)) return false;
    if (this.remoteKeys.has(key)) return true;
    const present = (await this.remote.sizeOf(key)) !== null;
    if (present && !this.remoteRemovals.has(key)) this.remoteKeys.add(key);
    return present;
  }

  /** Resolves once every delete from the object store this process started has finished (or failed). */
  async remoteSettled(): Promise<void> {
    while (this.remoteRemovals.size > 0) await Promise.all(this.remoteRemovals.values());
  }

  /**
   * Deletes a stored file. Synchronous on purpose: it runs inside the database transaction
   * that found the file unreferenced (src/storage/file-references.ts).
   */
  removeNow(key: string): number {
    const file = this.pathOf(key);
    if (this.remote) this.removeRemote(key);
    try {
      const { size } = statSync(file);
      rmSync(file, { force: true });
      return size;
    } catch {
      return 0;
    }
  }

  /**
   * Deletes `key` from the object store, not awaited: this runs inside the deciding
   * transaction. Puts of the same key wait for it (see remoteRemovals). A failed delete is
   * reported and leaves the object to `renderbay gc --store`, which finds unreferenced
   * objects by the same rule.
   */
  private removeRemote(key: string): void {
    const remote = this.remote as ObjectStore;
    this.remoteKeys.delete(key);
    const previous = Promise.allSettled([this.remoteRemovals.get(key), this.remoteUploads.get(key)]);
    const removal: Promise<void> = previous
      .then(() => remote.remove(key))
      .catch((error: Error) => this.onRemoteError(`could not delete ${key} from the object store (renderbay gc --store removes it): ${error.message}`))
      .finally(() => {
        if (this.remoteRemovals.get(key) === removal) this.remoteRemovals.delete(key);
      });
    this.remoteRemovals.set(key, removal);
  }

  /** Every key in the store (names that are not keys are skipped), with its size. */
  *keys(): Generator<StoredFile> {
    for (const first of readdirOrEmpty(this.root)) {
      for (const second of readdirOrEmpty(path.join(this.root, first))) {
        for (const name of readdirOrEmpty(path.join(this.root, first, second))) {
          if (!isObjectKey(name)) continue;
          try {
            yield { key: name, size: statSync(path.join(this.root, first, second, name)).size };
          } catch {
            /* removed meanwhile */
          }
        }
      }
    }
  }

  /** Removes empty fan-out folders (`store/ab/cd/`); `place` recreates one it finds gone. */
  pruneEmptyFolders(): void {
    for (const first of readdirOrEmpty(this.root)) {
      for (const second of readdirOrEmpty(path.join(this.root, first))) removeIfEmpty(path.join(this.root, first, second));
      removeIfEmpty(path.join(this.root, first));
    }
  }

  /**
   * Removes the scratch folders of processes that are gone (a crash leaves them behind,
   * and a killed process's render worker may still be writing for a moment, so this is
   * repeated from time to time). Folders of live processes, this one's included, are never
   * touched: they may hold uploads in flight.
   */
  async sweepTemp(isAlive: (pid: number) => boolean, beforeRemoving?: (folder: string) => void): Promise<string[]> {
    const removed: string[] = [];
    for (const entry of await readdir(this.tempRoot).catch(() => [] as string[])) {
      const folder = path.join(this.tempRoot, entry);
      if (folder === this.tempDirectory) continue;
      const owner = Number(/^(\d+)-/.exec(entry)?.[1]);
      if (isAlive(owner)) continue;
      beforeRemoving?.(folder);
      if ((await rm(folder, { recursive: true, force: true, maxRetries: 3 }).then(() => true, () => false))) removed.push(folder);
    }
    return removed;
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

/** A folder's entries, or none when it does not exist (or vanished meanwhile). */
export function readdirOrEmpty(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function removeIfEmpty(folder: string): void {
  try {
    rmdirSync(folder); // fails (ENOTEMPTY) when anything is inside: exactly what we want
  } catch {
    /* not empty, or gone */
  }
}
