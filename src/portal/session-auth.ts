/**
 * How the portal's own JSON calls (`/portal/api/…`) are authenticated: by the session cookie
 * that sign-in set, never by a key in the page. A change (any method but GET/HEAD) must also
 * carry the session's CSRF token in `X-CSRF-Token` — a header another site cannot make a
 * browser send — and must not come from another site (Origin / Sec-Fetch-Site), on top of the
 * cookie's SameSite=Strict. The session's key decides the scopes, exactly as a Bearer key would.
 */
import type { IncomingMessage } from 'node:http';
import { requireScope, type Caller, type Scope } from '../accounts/api-keys.js';
import type { Db } from '../db/database.js';
import { RenderbayError } from '../errors.js';
import { findSession, requireCsrfToken, SESSION_COOKIE, type PortalSession } from './sessions.js';
import { cookies, refuseCrossSite } from './signin-pages.js';

export const CSRF_HEADER = 'x-csrf-token';

/** The signed-in session of a request, or `unauthorized` (401): no cookie, or one that no longer works. */
export function requireSession(db: Db, request: IncomingMessage): PortalSession {
  const session = findSession(db, cookies(request)[SESSION_COOKIE]);
  if (!session) throw new RenderbayError('unauthorized', 'Not signed in: sign in at /portal/signin', 401);
  return session;
}

/** The caller behind the session cookie, with `scope`; a change also needs the CSRF header and a same-site origin. */
export function authorizeSession(db: Db, request: IncomingMessage, scope: Scope, baseUrl: string): Caller {
  const session = requireSession(db, request);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    refuseCrossSite(request, baseUrl);
    const header = request.headers[CSRF_HEADER];
    requireCsrfToken(Array.isArray(header) ? header[0] : header, session.csrfToken);
  }
  return requireScope(session.caller, scope);
}
