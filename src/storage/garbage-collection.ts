/**
 * `renderbay gc`: gives back what nothing needs — stored files no row refers to (left by
 * versions before files were released, or by a crash between storing and referencing)
 * and the scratch folders of processes that are gone. Safe while a server runs on the
 * same data directory: files go through releaseFiles, which re-checks each under the
 * database's write lock (src/storage/file-references.ts), and live processes' scratch
 * folders are never touched.
 */
import type { Db } from '../db/database.js';
import { folderUsage, type Usage } from './disk-usage.js';
import { referencedKeysByKind, releaseFiles } from './file-references.js';
import type { FileStore } from './file-store.js';

export interface CollectionReport {
  /** Unreferenced stored files removed. */
  store: Usage;
  /** Scratch folders of dead processes removed (`files` counts the files in them). */
  tmp: Usage & { folders: number };
}

/** Candidates per write transaction: keeps the lock short on a large store. */
const BATCH = 500;

/** `isAlive` tells whether a scratch folder's owner (a pid) still runs. */
export async function collectGarbage(db: Db, store: FileStore, isAlive: (pid: number) => boolean): Promise<CollectionReport> {
  const report: CollectionReport = { store: { files: 0, bytes: 0 }, tmp: { files: 0, bytes: 0, folders: 0 } };
  const stale = await store.sweepTemp(isAlive, (folder) => {
    const { files, bytes } = folderUsage(folder);
    report.tmp.files += files;
    report.tmp.bytes += bytes;
  });
  report.tmp.folders = stale.length;

  // A first pass against a snapshot finds candidates cheaply; releaseFiles decides for each.
  const { models, overlays, renders } = referencedKeysByKind(db);
  const candidates = [...store.keys()].filter(({ key }) => !models.has(key) && !overlays.has(key) && !renders.has(key));
  for (let start = 0; start < candidates.length; start += BATCH) {
    const batch = candidates.slice(start, start + BATCH);
    const before = batch.filter(({ key }) => store.has(key));
    const freed = releaseFiles({ db, store }, before.map(({ key }) => key));
    report.store.bytes += freed;
    report.store.files += before.filter(({ key }) => !store.has(key)).length;
  }
  store.pruneEmptyFolders();
  return report;
}
