/**
 * Portal sign-in: a person pastes an API key once and gets a session cookie instead, so a
 * browser never holds the key. The cookie's token is stored only as a SHA-256 hash; the session
 * remembers which key it came from and is checked through that key on every use, so revoking
 * or expiring the key ends its sessions. Each session has its own CSRF token, which the
 * portal's forms carry in a hidden field (synchronizer token), on top of SameSite=Strict.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { authenticate, authenticateKeyId, type Caller } from '../accounts/api-keys.js';
import type { Db } from '../db/database.js';
import { statement } from '../db/statements.js';
import { RenderbayError } from '../errors.js';
import { nowIso, randomToken } from '../ids.js';
import { LIMITS } from '../limits.js';

export const SESSION_COOKIE = 'rb_portal_session';
/** The sign-in form's own CSRF token (before there is a session): a cookie the form must echo. */
export const SIGNIN_CSRF_COOKIE = 'rb_portal_signin';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface PortalSession {
  caller: Caller;
  csrfToken: string;
}

/** Exchanges an API key (read scope at least) for a session: the cookie token, shown once. */
export function signIn(db: Db, apiKey: string, now = Date.now()): { token: string; session: PortalSession } {
  const caller = authenticate(db, `Bearer ${apiKey.trim()}`, 'read');
  const token = randomToken(43);
  const csrfToken = randomToken(32);
  statement(db, 'DELETE FROM portal_sessions WHERE expires_at <= ?').run(Math.floor(now / 1000));
  statement(db, 'INSERT INTO portal_sessions (token_hash, key_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
    hash(token),
    caller.key!.id,
    csrfToken,
    nowIso(),
    Math.floor(now / 1000) + LIMITS.portalSessionSeconds,
  );
  return { token, session: { caller, csrfToken } };
}

/** The session of a cookie token, or null (unknown, expired, or its key no longer works). */
export function findSession(db: Db, token: string | undefined, now = Date.now()): PortalSession | null {
  if (!token) return null;
  const row = statement(db, 'SELECT key_id, csrf_token, expires_at FROM portal_sessions WHERE token_hash = ?').get(hash(token)) as
    | { key_id: string; csrf_token: string; expires_at: number }
    | undefined;
  if (!row || row.expires_at * 1000 <= now) return null;
  try {
    return { caller: authenticateKeyId(db, row.key_id, 'read'), csrfToken: row.csrf_token };
  } catch (error) {
    if (error instanceof RenderbayError) return null;
    throw error;
  }
}

export function signOut(db: Db, token: string): void {
  statement(db, 'DELETE FROM portal_sessions WHERE token_hash = ?').run(hash(token));
}

/** Constant-time comparison of a form's CSRF token with the expected one; `csrf_failed` (403) otherwise. */
export function requireCsrfToken(given: string | null | undefined, expected: string | undefined): void {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected ?? '', 'utf8');
  if (b.length === 0 || a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new RenderbayError('csrf_failed', 'This form is stale or came from another site: reload the page and try again', 403);
  }
}
