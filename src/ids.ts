/** Short random url-safe ids (12 characters of [A-Za-z0-9], ~71 bits), as the hosted API uses. */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Unbiased random string over ALPHABET (rejection sampling: 248 = 4 × 62). */
export function randomToken(length: number): string {
  let result = '';
  while (result.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && result.length < length) result += ALPHABET[byte % 62];
    }
  }
  return result;
}

export function newId(): string {
  return randomToken(12);
}

export function nowIso(): string {
  return new Date().toISOString();
}
