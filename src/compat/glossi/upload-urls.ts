/**
 * Signed upload URLs, the stand-in for Glossi's pre-signed S3 URLs: whoever holds one may
 * PUT one model file to it, without an API key, until it expires (1 hour). The signature is
 * HMAC-SHA256 over "<record id>.<expiry in unix seconds>" with a random secret made when the
 * database was created (server_secrets), so a changed id or expiry fails the check; that
 * an upload is used once is the record's business (glossi-models.ts).
 *
 * ```
 * PUT {publicUrl}/compat/glossi/uploads/{id}?expires=1767000000&signature=9f2c…
 * ```
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../../db/database.js';
import { RenderbayError } from '../../errors.js';
import { LIMITS } from '../../limits.js';

export const UPLOAD_ROUTE = '/uploads';

function signingSecret(db: Db): string {
  return db.prepare("SELECT value FROM server_secrets WHERE name = 'compat-upload-signing'").pluck().get() as string;
}

function signature(db: Db, id: string, expires: number): string {
  return createHmac('sha256', signingSecret(db)).update(`${id}.${expires}`).digest('hex');
}

/** The absolute upload URL of a record; `base` is the server's public URL with the surface's prefix. */
export function signedUploadUrl(db: Db, base: string, id: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + LIMITS.uploadUrlTtlSeconds;
  return `${base}${UPLOAD_ROUTE}/${encodeURIComponent(id)}?expires=${expires}&signature=${signature(db, id, expires)}`;
}

/** Refuses a tampered (`invalid_signature`) or expired (`upload_url_expired`) URL; both 403, as S3 answers. */
export function verifyUploadUrl(db: Db, id: string, query: Record<string, string | undefined>): void {
  const expires = Number(query.expires);
  const given = Buffer.from(typeof query.signature === 'string' ? query.signature : '', 'utf8');
  const expected = Buffer.from(Number.isInteger(expires) ? signature(db, id, expires) : '', 'utf8');
  if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RenderbayError('invalid_signature', 'This upload URL is not valid: its signature does not match (ask POST /api/v1/models for a new one)', 403);
  }
  if (expires * 1000 <= Date.now()) {
    throw new RenderbayError('upload_url_expired', 'This upload URL has expired (they are valid for 1 hour): ask POST /api/v1/models for a new one', 403);
  }
}

/** Streams a PUT body to `file` (at most the model size limit), hashing it on the way. */
export async function receivePutBody(request: IncomingMessage, file: string): Promise<{ bytes: number; sha256: string }> {
  const tooLarge = () => new RenderbayError('file_too_large', `The file is larger than the ${LIMITS.maxModelBytes / 1024 / 1024} MB limit`, 413);
  if (Number(request.headers['content-length'] ?? 0) > LIMITS.maxModelBytes) throw tooLarge();
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > LIMITS.maxModelBytes) return done(tooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(request, counter, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { bytes, sha256: hash.digest('hex') };
}
