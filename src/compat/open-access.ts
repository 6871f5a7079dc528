/**
 * Keyless access for a surface whose documented clients send no key (`--grok3d-open`): a
 * request without an Authorization header from a loopback address acts as the local account;
 * one from any other address, or with a header, is authenticated as usual. The check is the
 * TCP peer's address, never a header a client writes (X-Forwarded-For): a reverse proxy on the
 * same machine would make every request loopback, so do not put one in front of an open surface.
 */
import type { IncomingMessage } from 'node:http';
import { ensureLocalAccount } from '../accounts/accounts.js';
import { authenticate, type Caller, type Scope } from '../accounts/api-keys.js';
import type { AppContext } from '../context.js';

export function isLoopbackPeer(request: IncomingMessage): boolean {
  const address = (request.socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The caller of a Bearer key, or the local account for a keyless loopback request when `open`. */
export function bearerOrOpenLoopback(context: AppContext, request: IncomingMessage, scope: Scope, open: boolean): Caller {
  if (open && request.headers.authorization === undefined && isLoopbackPeer(request)) {
    return { account: ensureLocalAccount(context.db, context.config.initialCredits), key: null };
  }
  return authenticate(context.db, request.headers.authorization, scope);
}
