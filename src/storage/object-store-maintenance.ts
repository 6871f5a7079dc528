/**
 * `renderbay gc --store` and `renderbay du --store`: the render farm's object store judged
 * by the same rule as the data directory's files (src/storage/file-references.ts). An
 * object no row refers to is deleted — checked again, one key at a time, in a write
 * transaction just before — a referenced file the store lacks, or holds at another size (an
 * upload cut short: the key is the content's SHA-256, so the size is known), is uploaded again
 * from the data directory, and `du` counts the objects by what refers to them.
 */
import { statSync } from 'node:fs';
import type { Db } from '../db/database.js';
import type { Usage } from './disk-usage.js';
import { isFileReferenced, referencedKeysByKind } from './file-references.js';
import type { FileStore } from './file-store.js';
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

export interface ObjectCollectionReport extends Usage {
  /** Referenced files the store lacked, uploaded again from the data directory. */
  restored: Usage;
  /** Referenced files the store held at another size than their content's (cut short), uploaded again. */
  repaired: Usage;
  /** Referenced keys neither the store nor the data directory holds (renders or models that cannot be served). */
  missing: number;
}

/**
 * Deletes the objects nothing refers to, and uploads again the referenced files the store
 * lacks but the data directory holds. Deleting from the store cannot share the write
 * transaction that decided it (as the data directory's unlink does), so a file referenced
 * meanwhile (an upload of the same content that committed just then) is checked for after
 * each delete and put back; and an object lost to any other race (a delete that crossed a
 * concurrent upload on another process) is found missing and restored by the next run.
 */
export async function collectObjectGarbage(db: Db, remote: ObjectStore, local: FileStore): Promise<ObjectCollectionReport> {
  const report: ObjectCollectionReport = { ...empty(), restored: empty(), repaired: empty(), missing: 0 };
  /** Size in the store of each object kept. */
  const present = new Map<string, number>();
  for await (const { key, size } of remote.list()) {
    present.set(key, size);
    const unreferenced = db.transaction(() => !isFileReferenced(db, key)).immediate();
    if (!unreferenced) continue;
    await remote.remove(key);
    add(report, size);
    if (isFileReferenced(db, key) && local.has(key)) {
      await remote.put(key, local.pathOf(key));
      add(report.restored, size);
    } else present.delete(key);
  }
  const { models, overlays, renders } = referencedKeysByKind(db);
  for (const key of new Set([...models, ...overlays, ...renders])) {
    const storedSize = present.get(key);
    if (!local.has(key)) {
      if (storedSize === undefined) report.missing++;
      continue;
    }
    const file = local.pathOf(key);
    const size = statSync(file).size;
    if (storedSize === size) continue;
    await remote.put(key, file);
    add(storedSize === undefined ? report.restored : report.repaired, size);
  }
  return report;
}

const empty = (): Usage => ({ files: 0, bytes: 0 });
function add(usage: Usage, bytes: number): void {
  usage.files++;
  usage.bytes += bytes;
}
