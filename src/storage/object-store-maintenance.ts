/**
 * `renderbay gc --store` and `renderbay du --store`: the render farm's object store judged
 * by the same rule as the data directory's files (src/storage/file-references.ts). An
 * object no row refers to is deleted — checked again, one key at a time, in a write
 * transaction just before — and `du` counts the objects by what refers to them.
 */
import type { Db } from '../db/database.js';
import type { Usage } from './disk-usage.js';
import { isFileReferenced, referencedKeysByKind } from './file-references.js';
import type { ObjectStore } from './object-store.js';

export interface ObjectStoreUsage {
  models: Usage;
  overlays: Usage;
  renders: Usage;
  unreferenced: Usage;
  total: Usage;
}

export async function objectStoreUsage(db: Db, remote: ObjectStore): Promise<ObjectStoreUsage> {
  const referenced = referencedKeysByKind(db);
  const usage: ObjectStoreUsage = { models: empty(), overlays: empty(), renders: empty(), unreferenced: empty(), total: empty() };
  for await (const { key, size } of remote.list()) {
    const kind = referenced.models.has(key) ? 'models' : referenced.overlays.has(key) ? 'overlays' : referenced.renders.has(key) ? 'renders' : 'unreferenced';
    add(usage[kind], size);
    add(usage.total, size);
  }
  return usage;
}

/** Deletes the objects nothing refers to; returns what it freed. */
export async function collectObjectGarbage(db: Db, remote: ObjectStore): Promise<Usage> {
  const freed = empty();
  for await (const { key, size } of remote.list()) {
    const unreferenced = db.transaction(() => !isFileReferenced(db, key)).immediate();
    if (!unreferenced) continue;
    await remote.remove(key);
    add(freed, size);
  }
  return freed;
}

const empty = (): Usage => ({ files: 0, bytes: 0 });
function add(usage: Usage, bytes: number): void {
  usage.files++;
  usage.bytes += bytes;
}
