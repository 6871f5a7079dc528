/**
 * Retention for generations and restyles (with `retentionDays`, as for renders): finished
 * ones older than that are deleted with their images and outputs. A generated model is a
 * normal model and stays until it is deleted like any other.
 */
import type { AppContext } from '../context.js';
import { releaseFiles } from '../storage/file-references.js';

/** Deletes finished generations and restyles last changed more than `days` days ago; returns how many and the bytes freed. */
export function deleteExpiredGenerations(context: Pick<AppContext, 'db' | 'store'>, days: number, now = Date.now()): { deleted: number; bytes: number } {
  const cutoff = new Date(now - days * 86_400_000).toISOString();
  const keys = context.db.transaction(() => {
    const expired = [
      ...(context.db
        .prepare("SELECT id, input_key, image_key AS output_key FROM generations WHERE status IN ('complete', 'error') AND updated_at < ?")
        .all(cutoff) as { id: string; input_key: string | null; output_key: string | null }[]).map((row) => ({ ...row, table: 'generations' })),
      ...(context.db
        .prepare("SELECT id, input_key, output_key FROM restyles WHERE status IN ('completed', 'failed') AND updated_at < ?")
        .all(cutoff) as { id: string; input_key: string | null; output_key: string | null }[]).map((row) => ({ ...row, table: 'restyles' })),
    ];
    for (const row of expired) context.db.prepare(`DELETE FROM ${row.table} WHERE id = ?`).run(row.id);
    return { count: expired.length, keys: expired.flatMap((row) => [row.input_key, row.output_key]).filter((key): key is string => key !== null) };
  })();
  return { deleted: keys.count, bytes: releaseFiles(context, keys.keys) };
}
