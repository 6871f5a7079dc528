/**
 * API keys (`rb_sk_…`): shown once at creation and stored only as a SHA-256 hash. A key
 * has 190 bits of randomness, so a fast hash is enough (no password-hashing needed), and
 * lookup by hash is a single indexed query.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { statement } from '../db/statements.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso, randomToken } from '../ids.js';
import { getAccount, type Account } from './accounts.js';

export const KEY_PREFIX = 'rb_sk_';
const LAST_USED_RESOLUTION_MS = 60_000;
export const SCOPES = ['read', 'write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyInfo {
  id: string;
  accountId: string;
  name: string;
  /** The first characters of the key, to recognise it in lists. */
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface KeyRow {
  id: string;
  account_id: string;
  name: string;
  key_prefix: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

const toInfo = (row: KeyRow): ApiKeyInfo => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  prefix: row.key_prefix,
  scopes: row.scopes.split(',') as Scope[],
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
});

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export function createApiKey(
  db: Db,
  accountId: string,
  options: { name: string; scopes?: Scope[]; expiresAt?: string | null },
): { key: string; info: ApiKeyInfo } {
  getAccount(db, accountId);
  const key = `${KEY_PREFIX}${randomToken(32)}`;
  const id = newId();
  const scopes = options.scopes?.length ? options.scopes : [...SCOPES];
  db.prepare(
    'INSERT INTO api_keys (id, account_id, name, key_hash, key_prefix, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(id, accountId, options.name, hashKey(key), key.slice(0, KEY_PREFIX.length + 6), scopes.join(','), nowIso(), options.expiresAt ?? null);
  return { key, info: listApiKeys(db).find((info) => info.id === id)! };
}

export function listApiKeys(db: Db, accountId?: string): ApiKeyInfo[] {
  const rows = (accountId
    ? db.prepare('SELECT * FROM api_keys WHERE account_id = ? ORDER BY created_at').all(accountId)
    : db.prepare('SELECT * FROM api_keys ORDER BY created_at').all()) as KeyRow[];
  return rows.map(toInfo);
}

/** Revokes the key given by its id, its prefix (as `keys list` shows them) or the whole key as it was printed. */
export function revokeApiKey(db: Db, keyOrIdOrPrefix: string): ApiKeyInfo {
  const given = keyOrIdOrPrefix.trim();
  const row = db
    .prepare('SELECT * FROM api_keys WHERE id = ? OR key_prefix = ? OR key_hash = ?')
    .get(given, given, hashKey(given)) as KeyRow | undefined;
  // Never echo a whole key back: it is a secret.
  if (!row) throw new RenderbayError('key_not_found', `No API key ${given.startsWith(KEY_PREFIX) && given.length > KEY_PREFIX.length + 6 ? `${given.slice(0, KEY_PREFIX.length + 6)}…` : given}`, 404);
  db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(nowIso(), row.id);
  return listApiKeys(db).find((info) => info.id === row.id)!;
}

export interface Caller {
  account: Account;
  key: ApiKeyInfo | null;
}

/**
 * The caller, if its key has `needed` (`insufficient_scope` otherwise). A caller without a
 * key (the local stdio account) has every scope.
 */
export function requireScope(caller: Caller, needed: Scope): Caller {
  if (caller.key && !caller.key.scopes.includes(needed)) {
    throw new RenderbayError('insufficient_scope', `This API key lacks the "${needed}" scope`, 403);
  }
  return caller;
}

/**
 * Resolves an `Authorization: Bearer rb_sk_…` header to its account, with the error codes
 * of the reference: unauthorized (missing, unknown, revoked), token_expired, forbidden
 * (account suspended), insufficient_scope.
 */
export function authenticate(db: Db, authorization: string | undefined, needed: Scope): Caller {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new RenderbayError('unauthorized', 'Missing API key: send Authorization: Bearer rb_sk_…', 401);
  const row = statement(db, 'SELECT * FROM api_keys WHERE key_hash = ?').get(hashKey(match[1])) as KeyRow | undefined;
  return callerOfKey(db, row, needed);
}

/** The caller of the key with this id, checked as `authenticate` checks a key (a portal session holds its key's id). */
export function authenticateKeyId(db: Db, keyId: string, needed: Scope): Caller {
  return callerOfKey(db, statement(db, 'SELECT * FROM api_keys WHERE id = ?').get(keyId) as KeyRow | undefined, needed);
}

function callerOfKey(db: Db, row: KeyRow | undefined, needed: Scope): Caller {
  if (!row) throw new RenderbayError('unauthorized', 'Invalid API key', 401);
  if (row.revoked_at) throw new RenderbayError('unauthorized', 'This API key has been revoked', 401);
  if (row.expires_at && Date.parse(row.expires_at) <= Date.now()) throw new RenderbayError('token_expired', 'This API key has expired', 401);
  const account = getAccount(db, row.account_id);
  if (account.status === 'suspended') throw new RenderbayError('forbidden', 'This account is suspended', 403);
  const info = toInfo(row);
  requireScope({ account, key: info }, needed);
  // Recorded at minute resolution: a write per request would cost more than the request.
  if (!row.last_used_at || Date.now() - Date.parse(row.last_used_at) > LAST_USED_RESOLUTION_MS) {
    statement(db, 'UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(nowIso(), row.id);
  }
  return { account, key: info };
}
