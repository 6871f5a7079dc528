/**
 * Signed asset URLs: whoever holds one may GET that one file of a render without an API key
 * until it expires, so a `<video src>` on any site can play it (a tag cannot send a Bearer key).
 *
 * ```
 * GET /v1/renders/{id}/video?quality=web&expires=1767000000&sig=9f2c…
 * ```
 *
 * `sig` is HMAC-SHA256, in hex, over "<path>\n<quality>\n<expires>" — the path as it is sent
 * (percent-encoded, with /v1), the `quality` parameter ('' when absent) and the expiry in unix
 * seconds — keyed with a random secret made when the data directory's database was created
 * (server_secrets 'asset-url-signing'). A changed path, quality or expiry fails the check, so
 * a signature of one render or file opens no other. Keys never sign anything: revoking a key
 * leaves its signed URLs valid until they expire.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { getAccount } from '../accounts/accounts.js';
import type { Caller } from '../accounts/api-keys.js';
import type { Db } from '../db/database.js';
import { statement } from '../db/statements.js';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';

const SECRET_NAME = 'asset-url-signing';

function signingSecret(db: Db): string {
  const row = statement(db, 'SELECT value FROM server_secrets WHERE name = ?').get(SECRET_NAME) as { value: string } | undefined;
  if (!row) throw new Error('server_secrets has no asset-url-signing secret (migration 6 not applied)');
  return row.value;
}

function signature(db: Db, pathname: string, quality: string, expires: number): string {
  return createHmac('sha256', signingSecret(db)).update(`${pathname}\n${quality}\n${expires}`).digest('hex');
}

/** A request that tries the signature route (either parameter present) rather than a key. */
export function carriesSignature(query: Record<string, string | undefined>): boolean {
  return query.sig !== undefined || query.expires !== undefined;
}

/**
 * The absolute signed URL of an API path such as `/v1/renders/abc/video?quality=web`
 * (`quality` is the only query parameter kept), valid until `expiresAt` (unix seconds).
 */
export function signedUrl(db: Db, baseUrl: string, apiPath: string, expiresAt: number): string {
  const url = new URL(apiPath, 'http://signed.invalid');
  const quality = url.searchParams.get('quality') ?? '';
  const query = new URLSearchParams();
  if (quality !== '') query.set('quality', quality);
  query.set('expires', String(expiresAt));
  query.set('sig', signature(db, url.pathname, quality, expiresAt));
  return `${baseUrl}${url.pathname}?${query}`;
}

/**
 * Checks a signed request: `invalid_signature` when the signature does not match the path,
 * quality and expiry; `signature_expired` when it matched but its time has passed. Both 403.
 */
export function verifySignedRequest(db: Db, pathname: string, query: Record<string, string | undefined>, now = Date.now()): void {
  const expires = Number(query.expires);
  const given = Buffer.from(typeof query.sig === 'string' ? query.sig : '', 'utf8');
  const expected = Buffer.from(Number.isSafeInteger(expires) && expires > 0 ? signature(db, pathname, query.quality ?? '', expires) : '', 'utf8');
  if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RenderbayError('invalid_signature', 'This signed URL is not valid for this file: ask GET /v1/renders/:id/embed for a new one', 403);
  }
  if (expires * 1000 <= now) {
    throw new RenderbayError('signature_expired', `This signed URL expired at ${new Date(expires * 1000).toISOString()}: ask GET /v1/renders/:id/embed for a new one`, 403);
  }
}

/** Cache-Control for a signed response: private (the URL is a credential), never beyond its expiry. */
export function signedCacheControl(expires: number, now = Date.now()): string {
  return `private, max-age=${Math.max(0, Math.floor(expires - now / 1000))}`;
}

/** The expiry (unix seconds) of URLs signed now for `ttl` seconds; `invalid_request` outside the limits. */
export function signedUrlExpiry(ttl: unknown, now = Date.now()): number {
  const seconds = ttl === undefined || ttl === '' ? LIMITS.signedUrlDefaultTtlSeconds : Number(ttl);
  if (!Number.isInteger(seconds) || seconds < LIMITS.signedUrlMinTtlSeconds || seconds > LIMITS.signedUrlMaxTtlSeconds) {
    throw new RenderbayError('invalid_request', `ttl must be a whole number of seconds from ${LIMITS.signedUrlMinTtlSeconds} to ${LIMITS.signedUrlMaxTtlSeconds} (got "${String(ttl)}")`, 400);
  }
  return Math.floor(now / 1000) + seconds;
}

/**
 * The caller a valid signed request of render `renderId` acts as: the render's owner, with
 * no key (signed URLs only ever read). A signature for a render that is gone, or of a suspended
 * account, answers the 404 of a missing render.
 */
export function signedRenderCaller(db: Db, pathname: string, query: Record<string, string | undefined>, renderId: string | undefined): Caller {
  verifySignedRequest(db, pathname, query);
  const row = statement(db, 'SELECT account_id FROM renders WHERE id = ?').get(renderId ?? '') as { account_id: string } | undefined;
  const account = row ? getAccount(db, row.account_id) : null;
  // A suspended account's files stop opening, as its keys stop working.
  if (!account || account.status !== 'active') throw new RenderbayError('render_not_found', 'Render not found', 404);
  return { account, key: null };
}
