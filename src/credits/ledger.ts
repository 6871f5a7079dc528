/**
 * Every credit change — grant, debit, refund — is one ledger row written in the same
 * transaction as the balance update. The balance can never go negative (CHECK
 * constraints on both tables); callers run this inside their own transaction so a debit
 * and the renders it pays for are created together or not at all.
 */
import type { Db } from '../db/database.js';
import { RenderbayError } from '../errors.js';
import { nowIso } from '../ids.js';

export type CreditReason = 'grant' | 'debit' | 'refund' | 'adjustment';

export interface LedgerEntry {
  id: number;
  accountId: string;
  delta: number;
  reason: CreditReason;
  renderId: string | null;
  balanceAfter: number;
  createdAt: string;
}

export function recordCreditChange(db: Db, accountId: string, delta: number, reason: CreditReason, renderId: string | null = null): number {
  const row = db.prepare('SELECT credits FROM accounts WHERE id = ?').get(accountId) as { credits: number } | undefined;
  if (!row) throw new RenderbayError('account_not_found', `No account ${accountId}`, 404);
  const balance = row.credits + delta;
  if (balance < 0) {
    throw new RenderbayError('no_credits', `Not enough credits: ${-delta} needed, ${row.credits} available`, 402);
  }
  db.prepare('UPDATE accounts SET credits = ? WHERE id = ?').run(balance, accountId);
  db.prepare('INSERT INTO credit_ledger (account_id, delta, reason, render_id, balance_after, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    accountId,
    delta,
    reason,
    renderId,
    balance,
    nowIso(),
  );
  return balance;
}

export function ledgerFor(db: Db, accountId: string): LedgerEntry[] {
  return (
    db.prepare('SELECT * FROM credit_ledger WHERE account_id = ? ORDER BY id').all(accountId) as {
      id: number;
      account_id: string;
      delta: number;
      reason: CreditReason;
      render_id: string | null;
      balance_after: number;
      created_at: string;
    }[]
  ).map((row) => ({
    id: row.id,
    accountId: row.account_id,
    delta: row.delta,
    reason: row.reason,
    renderId: row.render_id,
    balanceAfter: row.balance_after,
    createdAt: row.created_at,
  }));
}
