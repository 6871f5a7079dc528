/**
 * What a generation and a restyle share as jobs running in this process: credits reserved
 * at the start and given back once if the job fails, a heartbeat row column so that a job
 * whose process stopped is found (and failed, and refunded) by whoever reads it next, a
 * deadline for the provider work, and a scratch folder removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../context.js';
import { recordCreditChange } from '../credits/ledger.js';
import type { Db } from '../db/database.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { LIMITS } from '../limits.js';
import type { ProviderCall } from '../providers/provider-types.js';
import { announceChange } from './settle-wait.js';

export type JobTable = 'generations' | 'restyles';

/** How often a running job touches its heartbeat (ms); a reader calls it interrupted after LIMITS.generationHeartbeatStaleMs. */
const HEARTBEAT_MS = 10_000;

/**
 * Inserts a new job row (`fields` plus its credits, heartbeat and times) and reserves its
 * credits in the same transaction: `no_credits` (402) inserts nothing. Returns its id.
 */
export function insertReservedJob(db: Db, table: JobTable, accountId: string, credits: number, fields: Record<string, string | number | null>): string {
  const id = newId();
  const now = nowIso();
  const row: Record<string, string | number | null> = { ...fields, id, account_id: accountId, credits, heartbeat_at: Date.now(), created_at: now, updated_at: now };
  const columns = Object.keys(row);
  db.transaction(() => {
    if (credits > 0) recordCreditChange(db, accountId, -credits, 'debit', id);
    db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((column) => `@${column}`).join(', ')})`).run(row);
  })();
  return id;
}

/**
 * Gives a failed job's credits back, once (the `refunded` flag is set in the same
 * transaction). Run inside the transaction that fails the job.
 */
export function refundOnce(db: Db, table: JobTable, jobId: string): void {
  const row = db.prepare(`SELECT account_id, credits, refunded FROM ${table} WHERE id = ?`).get(jobId) as
    | { account_id: string; credits: number; refunded: number }
    | undefined;
  if (!row || row.refunded === 1) return;
  if (row.credits > 0) recordCreditChange(db, row.account_id, row.credits, 'refund', jobId);
  db.prepare(`UPDATE ${table} SET refunded = 1 WHERE id = ?`).run(jobId);
}

/** How each table records a failure (the Grok document: an error has stage `error` and progress 0). */
const FAILED_STATE: Record<JobTable, string> = {
  generations: "status = 'error', stage = 'error', progress = 0",
  restyles: "status = 'failed'",
};

/** Fails a job that has not finished, with its reason, and refunds it (once); a finished job is left as it is. */
export function failJob(db: Db, table: JobTable, jobId: string, message: string): void {
  db.transaction(() => {
    const changed = db
      .prepare(`UPDATE ${table} SET ${FAILED_STATE[table]}, error = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'processing')`)
      .run(message, nowIso(), jobId).changes;
    if (changed > 0) refundOnce(db, table, jobId);
  }).immediate();
  announceChange(jobId);
}

/** A running job's row was not touched for this long: its process is gone. */
export function isStale(heartbeatAt: number): boolean {
  return Date.now() - heartbeatAt > LIMITS.generationHeartbeatStaleMs;
}

/** The message a job failure shows a user (our own errors keep theirs; anything else is logged, not shown). */
export function failureMessage(error: unknown): string {
  if (error instanceof RenderbayError) return error.message;
  console.error(`generation job failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 'Internal error while generating';
}

/**
 * Runs `work` with a scratch folder, a deadline (LIMITS.providerTaskTimeoutMs: the signal
 * aborts with `provider_timeout`) and a heartbeat on the job's row; rejects with what `work` threw.
 */
export async function runProviderWork(context: AppContext, table: JobTable, jobId: string, work: (call: ProviderCall) => Promise<void>): Promise<void> {
  const beat = () => context.db.prepare(`UPDATE ${table} SET heartbeat_at = ? WHERE id = ?`).run(Date.now(), jobId);
  const heartbeat = setInterval(beat, HEARTBEAT_MS);
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new RenderbayError('provider_timeout', `The provider did not finish within ${LIMITS.providerTaskTimeoutMs / 60_000} minutes`, 504)),
    LIMITS.providerTaskTimeoutMs,
  );
  const workDirectory = await mkdtemp(path.join(context.store.tempDirectory, `${table}-`));
  try {
    await work({ signal: deadline.signal, workDirectory });
  } finally {
    clearInterval(heartbeat);
    clearTimeout(timer);
    await rm(workDirectory, { recursive: true, force: true });
  }
}
