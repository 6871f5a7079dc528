/**
 * Retention (off by default; the hosted API leaves clean-up to the operator): finished
 * renders older than `retentionDays` are deleted with their files, like `DELETE
 * /renders/:id` would. The job engine's holder runs it at start and then every
 * RETENTION_INTERVAL_MS, so one process does it however many share the data directory.
 *
 * ```ts
 * const { renders, bytes } = deleteExpiredRenders(context, 30);
 * ```
 */
import type { AppContext } from '../context.js';
import { releaseFiles } from '../storage/file-references.js';
import { deleteRenderRows, FINISHED_STATUSES } from './render-service.js';

export const RETENTION_INTERVAL_MS = 60 * 60_000;
/** Rows deleted per transaction, so a large first sweep never holds the write lock long. */
const BATCH = 200;

/** Deletes finished renders whose `finished_at` is more than `days` days ago. */
export function deleteExpiredRenders(context: Pick<AppContext, 'db' | 'store'>, days: number, now = Date.now()): { renders: number; bytes: number } {
  const cutoff = new Date(now - days * 86_400_000).toISOString();
  const select = context.db.prepare(
    `SELECT id FROM renders WHERE status IN (${FINISHED_STATUSES.map(() => '?').join(', ')}) AND COALESCE(finished_at, updated_at) < ? LIMIT ${BATCH}`,
  );
  let renders = 0;
  let bytes = 0;
  for (;;) {
    const ids = select.pluck().all(...FINISHED_STATUSES, cutoff) as string[];
    if (ids.length === 0) break;
    const keys = context.db.transaction(() => deleteRenderRows(context, ids))();
    bytes += releaseFiles(context, keys);
    renders += ids.length;
  }
  return { renders, bytes };
}
