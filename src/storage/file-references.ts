/**
 * Which stored files are still needed, and the two halves of the protocol that lets the
 * content-addressed store give files back without ever losing one a concurrent request is
 * about to use. Every writer and every deleter goes through here: no other module decides
 * that a key is unreferenced.
 *
 * A key is referenced while
 * - a model that is not deleted names it (`file_key`, `source_key`, `usdz_key`), or a
 *   deleted model does while one of its renders is still pending or running (the
 *   renderer reads the model file when the render starts);
 * - an overlay or an environment (an uploaded HDR/EXR panorama) names it;
 * - a render's assets name it;
 * - a generation (its input and generated image) or a restyle (its input and output) names it.
 *
 * Why it is safe. Two files of equal content share one key, so a writer (an upload, a
 * finished render) may find the file already there while a deleter decides it is no
 * longer needed. Both sides run their decisive step inside an IMMEDIATE SQLite
 * transaction, which holds the database's single write lock across every process that
 * shares the data directory:
 * - releasing (`releaseFiles`): check references and unlink the file, synchronously, in
 *   one write transaction;
 * - storing (`storeAndReference`): place the file (keeping the temp copy), then, in one
 *   write transaction, check that every placed file still exists and insert the rows
 *   that reference it.
 * The two transactions are serialised. If the writer commits first, the deleter sees the
 * new reference and keeps the file. If the deleter commits first, the writer finds the
 * file gone, places it again from its temp copy, and retries. A file is therefore never
 * unlinked while a committed row names it, and a row is never committed naming a file
 * that is gone. Files a writer placed but never referenced (a refused upload, a
 * duplicate, a render deleted while it finished) are released when it is done.
 */
import { existsSync } from 'node:fs';
import type { Db } from '../db/database.js';
import type { FileStore, StoredFile } from './file-store.js';

interface StoreAccess {
  db: Db;
  store: FileStore;
}

/** Render statuses after which a render never reads its model's file again. */
const FINISHED_SQL = "('done', 'error', 'failed')";

/** The single rule: does any row still need this key? */
export function isFileReferenced(db: Db, key: string): boolean {
  return Boolean(
    db
      .prepare(
        `SELECT 1 FROM models
           WHERE (file_key = @key OR source_key = @key OR usdz_key = @key)
             AND (deleted_at IS NULL OR EXISTS (SELECT 1 FROM renders WHERE renders.model_id = models.id AND renders.status NOT IN ${FINISHED_SQL}))
         UNION ALL SELECT 1 FROM overlays WHERE file_key = @key
         UNION ALL SELECT 1 FROM environments WHERE file_key = @key
         UNION ALL SELECT 1 FROM renders WHERE instr(assets, @key) > 0
         UNION ALL SELECT 1 FROM generations WHERE input_key = @key OR image_key = @key
         UNION ALL SELECT 1 FROM restyles WHERE input_key = @key OR output_key = @key
         LIMIT 1`,
      )
      .get({ key }),
  );
  // `instr` on the assets JSON: a 64-hex key cannot occur there except as a key, and a
  // false match would only keep a file, never delete one.
}

/** What refers to stored files, by kind (same rule as isFileReferenced, in bulk: for `du` and `gc`). */
export interface ReferencedKeys {
  models: Set<string>;
  overlays: Set<string>;
  renders: Set<string>;
}

export function referencedKeysByKind(db: Db): ReferencedKeys {
  const models = new Set<string>();
  const rows = db
    .prepare(
      `SELECT file_key, source_key, usdz_key FROM models
        WHERE deleted_at IS NULL OR EXISTS (SELECT 1 FROM renders WHERE renders.model_id = models.id AND renders.status NOT IN ${FINISHED_SQL})`,
    )
    .all() as { file_key: string; source_key: string | null; usdz_key: string | null }[];
  for (const row of rows) for (const key of [row.file_key, row.source_key, row.usdz_key]) if (key) models.add(key);
  // Environments are images a render names, as overlays are: counted with them.
  const overlays = new Set(db.prepare('SELECT file_key FROM overlays UNION SELECT file_key FROM environments').pluck().all() as string[]);
  const renders = new Set<string>();
  for (const assets of db.prepare("SELECT assets FROM renders WHERE assets <> '{}'").pluck().all() as string[]) {
    for (const key of assets.match(/[0-9a-f]{64}/g) ?? []) renders.add(key);
  }
  // Generated images and restyle outputs are work products, as render assets are: counted with them.
  const generated = db
    .prepare('SELECT input_key FROM generations UNION SELECT image_key FROM generations UNION SELECT input_key FROM restyles UNION SELECT output_key FROM restyles')
    .pluck()
    .all() as (string | null)[];
  for (const key of generated) if (key) renders.add(key);
  return { models, overlays, renders };
}

/** The keys a model's row names (candidates to release once it is deleted). */
export function modelFileKeys(db: Db, modelId: string): string[] {
  const row = db.prepare('SELECT file_key, source_key, usdz_key FROM models WHERE id = ?').get(modelId) as
    | { file_key: string; source_key: string | null; usdz_key: string | null }
    | undefined;
  return row ? [row.file_key, row.source_key, row.usdz_key].filter((key): key is string => Boolean(key)) : [];
}

/**
 * Deletes those of `keys` that nothing references any more; returns the bytes freed.
 * Check and unlink share one write transaction (see the top of this file); call it once
 * the transaction that removed the references has committed.
 */
export function releaseFiles(context: StoreAccess, keys: Iterable<string>): number {
  const candidates = [...new Set(keys)];
  if (candidates.length === 0) return 0;
  // Inside an outer transaction the decision could be rolled back, the unlink could not.
  if (context.db.inTransaction) throw new Error('releaseFiles runs after the transaction that dropped the references has committed');
  return context.db
    .transaction(() => {
      let freed = 0;
      for (const key of candidates) if (!isFileReferenced(context.db, key)) freed += context.store.removeNow(key);
      return freed;
    })
    .immediate();
}

export interface FileToStore {
  /** A finished temp file; it is left in place (the caller removes its scratch files). */
  path: string;
  sha256?: string;
}

class PlacedFileVanished extends Error {}

/**
 * Puts files into the store and commits the rows that reference them (`reference`, a
 * synchronous function run inside a write transaction) such that a concurrent release
 * cannot remove them in between; then releases whatever `reference` did not end up
 * referencing — also when it throws (a refused request leaves nothing behind).
 */
export async function storeAndReference<T>(context: StoreAccess, files: FileToStore[], reference: (stored: StoredFile[]) => T): Promise<T> {
  const stored: StoredFile[] = [];
  try {
    for (let attempt = 1; ; attempt++) {
      stored.length = 0;
      for (const file of files) stored.push(await context.store.place(file.path, file.sha256));
      try {
        return context.db
          .transaction(() => {
            if (stored.some((file) => !existsSync(context.store.pathOf(file.key)))) throw new PlacedFileVanished();
            return reference(stored);
          })
          .immediate();
      } catch (error) {
        // Released by a concurrent delete or collection between placing and committing: place again.
        if (!(error instanceof PlacedFileVanished) || attempt >= 5) throw error;
      }
    }
  } finally {
    releaseFiles(context, stored.map((file) => file.key));
  }
}
