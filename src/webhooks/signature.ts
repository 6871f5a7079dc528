/**
 * The `Renderbay-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256>`, keyed with the
 * webhook secret's UTF-8 bytes over `"<t>." + raw body`. The timestamp is inside the signed
 * message, so a receiver that rejects old timestamps (5 minutes) also rejects replays.
 * README, "Webhooks", has the receiver's side in Node and Python.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SIGNATURE_HEADER = 'Renderbay-Signature';

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

/** A new webhook secret: `whsec_` and 32 random bytes in hex. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('hex')}`;
}
