/**
 * Accounts: who owns models, renders, overlays and credits. The balance lives on the
 * account row (CHECK credits >= 0) and every change goes through the ledger.
 */
import type { Db } from '../db/database.js';
import { statement } from '../db/statements.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { recordCreditChange } from '../credits/ledger.js';

export interface Account {
  id: string;
  email: string;
  credits: number;
  status: 'active' | 'suspended';
  createdAt: string;
}

interface AccountRow {
  id: string;
  email: string;
  credits: number;
  status: 'active' | 'suspended';
  created_at: string;
}

const toAccount = (row: AccountRow): Account => ({ id: row.id, email: row.email, credits: row.credits, status: row.status, createdAt: row.created_at });

/** The account `renderbay mcp` (stdio) and the CLI act as when none is named. */
export const LOCAL_ACCOUNT_EMAIL = 'local@renderbay';

export function createAccount(db: Db, email: string, initialCredits: number): Account {
  const cleaned = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(cleaned)) throw new RenderbayError('invalid_request', `Not an email address: ${email}`);
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM accounts WHERE email = ?').get(cleaned)) {
      throw new RenderbayError('account_exists', `An account for ${cleaned} already exists`, 409);
    }
    const id = newId();
    db.prepare('INSERT INTO accounts (id, email, credits, created_at) VALUES (?, ?, 0, ?)').run(id, cleaned, nowIso());
    if (initialCredits > 0) recordCreditChange(db, id, initialCredits, 'grant');
    return getAccount(db, id);
  })();
}

export function getAccount(db: Db, id: string): Account {
  const row = statement(db, 'SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
  if (!row) throw new RenderbayError('account_not_found', `No account ${id}`, 404);
  return toAccount(row);
}

export function findAccountByEmail(db: Db, email: string): Account | null {
  const row = db.prepare('SELECT * FROM accounts WHERE email = ?').get(email.trim().toLowerCase()) as AccountRow | undefined;
  return row ? toAccount(row) : null;
}

export function listAccounts(db: Db): Account[] {
  return (db.prepare('SELECT * FROM accounts ORDER BY created_at').all() as AccountRow[]).map(toAccount);
}

export function setAccountStatus(db: Db, id: string, status: Account['status']): Account {
  getAccount(db, id);
  db.prepare('UPDATE accounts SET status = ? WHERE id = ?').run(status, id);
  return getAccount(db, id);
}

/** The local default account, created on first use with the configured credit grant. */
export function ensureLocalAccount(db: Db, initialCredits: number): Account {
  return findAccountByEmail(db, LOCAL_ACCOUNT_EMAIL) ?? createAccount(db, LOCAL_ACCOUNT_EMAIL, initialCredits);
}

/** Resolves `--account` (an id or an email) or falls back to the local account. */
export function resolveAccount(db: Db, idOrEmail: string | undefined, initialCredits: number): Account {
  if (!idOrEmail) return ensureLocalAccount(db, initialCredits);
  const byEmail = idOrEmail.includes('@') ? findAccountByEmail(db, idOrEmail) : null;
  return byEmail ?? getAccount(db, idOrEmail);
}
