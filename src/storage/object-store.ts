/**
 * The shared object store of a render farm: where the control plane and every worker put
 * and find files, named by their SHA-256 exactly as in the local FileStore. One interface,
 * two places it can be:
 * - `s3://bucket/prefix`: any S3-compatible store (AWS S3, MinIO, Ceph RGW, R2) through
 *   @aws-sdk/client-s3 (src/storage/s3-object-store.ts);
 * - `file:///path`: a folder every machine mounts (NFS), or one machine trying the farm out.
 * The embedded default (one process, the data directory's FileStore) needs neither.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { RenderbayError } from '../errors.js';

export interface StoredObject {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** For logs and `renderbay status`: where the objects are. */
  readonly description: string;
  /** The object's size, or null when it is not there. */
  sizeOf(key: string): Promise<number | null>;
  /** Uploads a finished local file under `key` (its SHA-256). */
  put(key: string, file: string): Promise<void>;
  /** Downloads `key` to `destination` (written beside it, then renamed: never a partial file). */
  download(key: string, destination: string): Promise<void>;
  /** The bytes `start`..`end` (inclusive) of an object, or all of it. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  remove(key: string): Promise<void>;
  /** Every object (for `gc` and `du`). */
  list(): AsyncIterable<StoredObject>;
  /** A time-limited URL a client may fetch the object from directly, where the store offers one. */
  presignedUrl?(key: string, seconds: number, contentType: string): Promise<string>;
  close(): void;
}

/** Whether `name` is a content key: a file's SHA-256 in lowercase hex (the store's, the object store's and a worker cache's names). */
export function isObjectKey(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

export function assertObjectKey(key: string): void {
  if (!isObjectKey(key)) throw new Error(`invalid object key ${key}`);
}

/** `s3://bucket/prefix` or `file:///folder` → the store; anything else is a clear error. */
export async function openObjectStore(url: string): Promise<ObjectStore> {
  if (url.startsWith('file://')) return new FolderObjectStore(new URL(url).pathname);
  if (url.startsWith('s3://')) {
    const { S3ObjectStore } = await import('./s3-object-store.js'); // the SDK loads only when configured
    return S3ObjectStore.fromUrl(url);
  }
  throw new RenderbayError('invalid_request', `--store must be s3://bucket/prefix or file:///folder (got "${url}")`);
}

/** A store in a folder: `<root>/ab/<key>`. */
export class FolderObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `file://${root}`;
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    return path.join(this.root, key.slice(0, 2), key);
  }

  async sizeOf(key: string): Promise<number | null> {
    return stat(this.pathOf(key)).then((stats) => stats.size, () => null);
  }

  async put(key: string, file: string): Promise<void> {
    const destination = this.pathOf(key);
    await mkdir(path.dirname(destination), { recursive: true });
    const partial = `${destination}.${randomBytes(4).toString('hex')}.partial`;
    await copyFile(file, partial);
    await rename(partial, destination);
  }

  async download(key: string, destination: string): Promise<void> {
    await downloadVia(await this.read(key), destination);
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const file = this.pathOf(key);
    await stat(file).catch(() => {
      throw new RenderbayError('file_not_found', `object ${key} is not in the store`, 404);
    });
    return createReadStream(file, range);
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<StoredObject> {
    for (const folder of await readdir(this.root).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(this.root, folder)).catch(() => [] as string[])) {
        if (!isObjectKey(name)) continue;
        const size = await this.sizeOf(name);
        if (size !== null) yield { key: name, size };
      }
    }
  }

  close(): void {}
}

/**
 * Makes `store` hold `file` (`size` bytes) under `key`, uploading it unless an object of that
 * size is already there. Another size is an upload a killed process cut short (some
 * S3-compatible servers, s3rver among them, keep the part they got under the full key): put again.
 */
export async function putUnlessPresent(store: ObjectStore, key: string, file: string, size: number): Promise<void> {
  if ((await store.sizeOf(key)) !== size) await store.put(key, file);
}

/** Streams into `<destination>.partial-…`, then renames into place. */
export async function downloadVia(body: Readable, destination: string): Promise<void> {
  await mkdir(path.dirname(destination), { recursive: true });
  const partial = `${destination}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await pipeline(body, createWriteStream(partial));
    await rename(partial, destination);
  } finally {
    await rm(partial, { force: true });
  }
}
