/**
 * Prepared statements reused per database: compiling SQL costs more than running these
 * small queries, and the hot paths (authentication, render status) run on every request.
 */
import type Database from 'better-sqlite3';
import type { Db } from './database.js';

const caches = new WeakMap<Db, Map<string, Database.Statement>>();

export function statement(db: Db, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let prepared = cache.get(sql);
  if (!prepared) cache.set(sql, (prepared = db.prepare(sql)));
  return prepared;
}

/**
 * The row `id` of `table` when it belongs to `accountId`; `notFound` otherwise (also for a
 * missing or non-string id, and for another account's id: the two answer alike).
 */
/** The tables whose rows belong to one account (an `account_id` column) and are looked up by id. */
export type OwnedTable = 'generations' | 'restyles' | 'jobs' | 'webhooks' | 'glossi_projects' | 'renders' | 'environments' | 'overlays' | 'templates';

export function findOwnedRow<Row>(db: Db, table: OwnedTable, accountId: string, id: unknown, notFound: () => Error): Row {
  const row = typeof id === 'string' && id !== '' ? (statement(db, `SELECT * FROM ${table} WHERE id = ? AND account_id = ?`).get(id, accountId) as Row | undefined) : undefined;
  if (!row) throw notFound();
  return row;
}
