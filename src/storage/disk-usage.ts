/**
 * `renderbay du`: where a data directory's bytes are — the store by what refers to each
 * file (models, renders, overlays, nothing), the scratch folders under tmp/, the SQLite
 * database (with its WAL and shared-memory files) and anything else.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/database.js';
import { DATABASE_FILE } from '../db/database.js';
import { referencedKeysByKind } from './file-references.js';
import { readdirOrEmpty, type FileStore } from './file-store.js';

export interface Usage {
  files: number;
  bytes: number;
}

export interface DiskUsage {
  /** A file several kinds refer to counts once, under the first of models, overlays, renders. */
  store: { models: Usage; overlays: Usage; renders: Usage; unreferenced: Usage; total: Usage };
  tmp: Usage & { folders: number };
  database: Usage;
  other: Usage;
  total: Usage;
}

const empty = (): Usage => ({ files: 0, bytes: 0 });
const add = (usage: Usage, bytes: number, files = 1) => {
  usage.files += files;
  usage.bytes += bytes;
};

export function diskUsage(dataDirectory: string, db: Db, store: FileStore): DiskUsage {
  const referenced = referencedKeysByKind(db);
  const usage: DiskUsage = {
    store: { models: empty(), overlays: empty(), renders: empty(), unreferenced: empty(), total: empty() },
    tmp: { ...empty(), folders: 0 },
    database: empty(),
    other: empty(),
    total: empty(),
  };
  for (const { key, size } of store.keys()) {
    const kind = referenced.models.has(key) ? 'models' : referenced.overlays.has(key) ? 'overlays' : referenced.renders.has(key) ? 'renders' : 'unreferenced';
    add(usage.store[kind], size);
    add(usage.store.total, size);
  }
  const tmp = path.join(dataDirectory, 'tmp');
  for (const folder of readdirOrEmpty(tmp)) {
    if (path.join(tmp, folder) === store.tempDirectory) continue; // the asking process's own
    usage.tmp.folders++;
    const { files, bytes } = folderUsage(path.join(tmp, folder));
    add(usage.tmp, bytes, files);
  }
  for (const entry of readdirOrEmpty(dataDirectory)) {
    if (entry === 'store' || entry === 'tmp') continue;
    const { files, bytes } = folderUsage(path.join(dataDirectory, entry));
    add([DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`].includes(entry) ? usage.database : usage.other, bytes, files);
  }
  for (const part of [usage.store.total, usage.tmp, usage.database, usage.other]) add(usage.total, part.bytes, part.files);
  return usage;
}

/** Files and their bytes under a path (a file counts itself); symbolic links are not followed. */
export function folderUsage(target: string): Usage {
  const usage = empty();
  const visit = (entry: string) => {
    let stats;
    try {
      stats = lstatSync(entry);
    } catch {
      return; // removed meanwhile
    }
    if (stats.isDirectory()) for (const child of readdirOrEmpty(entry)) visit(path.join(entry, child));
    else add(usage, stats.size);
  };
  visit(target);
  return usage;
}

/** 1536 → "1.5 KB" (powers of 1024, as du -h). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
