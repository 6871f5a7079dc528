/**
 * A worker's cache of pass inputs (models, overlays, environments) in its scratch folder:
 * `<root>/ab/<sha256>`, fetched from the object store once per machine and checked against
 * their key on arrival. With a byte cap (`renderbay worker --scratch-max-bytes`) the least
 * recently used entries are evicted once the cache grows past it — never an entry a running
 * pass holds: a pass acquires its inputs and releases them when it ends, so while every
 * entry is in use the cache may stay above the cap until one is released.
 * Last use is kept as the file's mtime, so the order survives a restart.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import { hashFile } from '../storage/file-store.js';
import { assertObjectKey, isObjectKey, type ObjectStore } from '../storage/object-store.js';

interface Entry {
  size: number;
  lastUsed: number;
}

export class InputCache {
  private readonly entries = new Map<string, Entry>();
  /** Passes holding each key (acquired and not yet released). */
  private readonly users = new Map<string, number>();
  private readonly pending = new Map<string, Promise<string>>();
  /** Entries being deleted: a fetch of the same key waits, so that it never returns a file about to vanish. */
  private readonly evicting = new Map<string, Promise<void>>();
  private loaded: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<ObjectStore, 'download'>,
    private readonly root: string,
    /** The cap in bytes, or null (unbounded). */
    private readonly maxBytes: number | null = null,
  ) {}

  /** Bytes the cache's entries take. */
  get bytes(): number {
    let total = 0;
    for (const { size } of this.entries.values()) total += size;
    return total;
  }

  /** The local path of `key`, fetched if needed; held (never evicted) until `release(key)`. */
  async acquire(key: string): Promise<string> {
    this.users.set(key, (this.users.get(key) ?? 0) + 1);
    try {
      await (this.loaded ??= this.load());
      const file = await this.fetchOnce(key);
      const now = Date.now();
      (this.entries.get(key) as Entry).lastUsed = now;
      await utimes(file, new Date(now), new Date(now)).catch(() => undefined);
      await this.evict();
      return file;
    } catch (error) {
      this.release(key);
      throw error;
    }
  }

  release(key: string): void {
    const count = (this.users.get(key) ?? 0) - 1;
    if (count > 0) this.users.set(key, count);
    else this.users.delete(key);
  }

  private pathOf(key: string): string {
    return path.join(this.root, key.slice(0, 2), key);
  }

  /** What an earlier run left in the folder (last use from mtime). */
  private async load(): Promise<void> {
    for (const folder of await readdir(this.root).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(this.root, folder)).catch(() => [] as string[])) {
        if (!isObjectKey(name) || this.entries.has(name)) continue;
        const stats = await stat(path.join(this.root, folder, name)).catch(() => null);
        if (stats) this.entries.set(name, { size: stats.size, lastUsed: stats.mtimeMs });
      }
    }
  }

  private fetchOnce(key: string): Promise<string> {
    let fetching = this.pending.get(key);
    if (!fetching) {
      fetching = this.fetch(key).finally(() => this.pending.delete(key));
      this.pending.set(key, fetching);
    }
    return fetching;
  }

  private async fetch(key: string): Promise<string> {
    assertObjectKey(key);
    const file = this.pathOf(key);
    await this.evicting.get(key);
    const present = await stat(file).catch(() => null);
    if (present) {
      if (!this.entries.has(key)) this.entries.set(key, { size: present.size, lastUsed: present.mtimeMs });
      return file;
    }
    const partial = `${file}.partial-${randomBytes(4).toString('hex')}`;
    try {
      await this.store.download(key, partial);
      if ((await hashFile(partial)) !== key) throw new RenderbayError('store_corrupt', `the object store's copy of ${key} does not match its SHA-256`, 500);
      const { size } = await stat(partial);
      await rename(partial, file);
      this.entries.set(key, { size, lastUsed: Date.now() });
    } finally {
      await rm(partial, { force: true });
    }
    return file;
  }

  /** Removes least recently used entries no pass holds until the cache fits its cap. */
  private async evict(): Promise<void> {
    if (this.maxBytes === null) return;
    let total = this.bytes;
    if (total <= this.maxBytes) return;
    const idle = [...this.entries].filter(([key]) => !this.users.has(key) && !this.pending.has(key)).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, { size }] of idle) {
      if (total <= this.maxBytes) break;
      if (this.users.has(key) || this.pending.has(key) || !this.entries.has(key)) continue; // taken meanwhile
      this.entries.delete(key);
      total -= size;
      const removal = rm(this.pathOf(key), { force: true }).finally(() => this.evicting.delete(key));
      this.evicting.set(key, removal);
      await removal;
    }
  }
}
