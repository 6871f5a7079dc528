/**
 * The signed-in portal's start: `GET /portal/signin` (a form taking an API key), `POST
 * /portal/signin` (key → HttpOnly, SameSite=Strict session cookie, 303 to /portal),
 * `GET /portal` (the portal app, app-shell.ts, or 303 to the form) and `POST /portal/signout`.
 *
 * CSRF: every POST must carry the form's hidden token — the session's own token once signed
 * in, and before that a random token the sign-in page also set as a cookie (so another site
 * cannot sign a browser into its own account) — and a POST whose Origin (or Sec-Fetch-Site)
 * says it came from another site is refused outright. Both answer 403 `csrf_failed`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { html, type Html } from '../http/html.js';
import { randomToken } from '../ids.js';
import { LIMITS } from '../limits.js';
import { PORTAL_PREFIX } from '../sharing/share-paths.js';
import { sendAppShell } from './app-shell.js';
import { STYLE } from './page-style.js';
import { findSession, requireCsrfToken, SESSION_COOKIE, SIGNIN_CSRF_COOKIE, signIn, signOut } from './sessions.js';

/** Pages with forms post only to this server; nothing else loads from anywhere. */
const FORM_PAGE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function cookies(request: IncomingMessage): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) jar[part.slice(0, index).trim()] = part.slice(index + 1).trim();
  }
  return jar;
}

function cookie(name: string, value: string, maxAgeSeconds: number, baseUrl: string): string {
  const secure = baseUrl.startsWith('https:') ? '; Secure' : '';
  return `${name}=${value}; Path=${PORTAL_PREFIX}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function sendFormPage(response: ServerResponse, status: number, title: string, body: Html, setCookies: string[] = []): void {
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Renderbay</title>
<style>${STYLE}</style></head><body><main>${body}</main></body></html>
`.text;
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': FORM_PAGE_POLICY,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    ...(setCookies.length ? { 'Set-Cookie': setCookies } : {}),
  });
  response.end(page);
}

function redirect(response: ServerResponse, location: string, setCookies: string[] = []): void {
  response.writeHead(303, { Location: location, 'Cache-Control': 'no-store', ...(setCookies.length ? { 'Set-Cookie': setCookies } : {}) });
  response.end();
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) {
    throw new RenderbayError('invalid_request', 'Send the form as application/x-www-form-urlencoded', 415);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.portalFormBytes) throw new RenderbayError('invalid_request', 'The form is too large', 413);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** A POST another site made the browser send: refused before its body is read. */
export function refuseCrossSite(request: IncomingMessage, baseUrl: string): void {
  const origin = request.headers.origin;
  const crossSite = request.headers['sec-fetch-site'] === 'cross-site' || (origin !== undefined && origin !== new URL(baseUrl).origin);
  if (crossSite) throw new RenderbayError('csrf_failed', 'This form was sent from another site', 403);
}

function signInPage(response: ServerResponse, baseUrl: string, status = 200, error?: string): void {
  const token = randomToken(32);
  sendFormPage(
    response,
    status,
    'Sign in',
    html`<h1>Sign in to Renderbay</h1>
<p class="muted">Paste an API key (<code>renderbay keys create</code>). It is exchanged for a session cookie; the browser does not keep the key.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${PORTAL_PREFIX}/signin">
<input type="hidden" name="csrf" value="${token}">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" required placeholder="rb_sk_…">
<button type="submit">Sign in</button>
</form>`,
    [cookie(SIGNIN_CSRF_COOKIE, token, 3600, baseUrl)],
  );
}

export interface SigninRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void> | void;
}

export function signinRoutes(context: AppContext, baseUrl: () => string): SigninRoute[] {
  const { db } = context;
  return [
    { method: 'GET', path: `${PORTAL_PREFIX}/signin`, handle: (_request, response) => signInPage(response, baseUrl()) },
    {
      method: 'POST',
      path: `${PORTAL_PREFIX}/signin`,
      handle: async (request, response) => {
        refuseCrossSite(request, baseUrl());
        const form = await readForm(request);
        requireCsrfToken(form.get('csrf'), cookies(request)[SIGNIN_CSRF_COOKIE]);
        let token: string;
        try {
          token = signIn(db, form.get('key') ?? '').token;
        } catch (error) {
          if (error instanceof RenderbayError && (error.status === 401 || error.status === 403)) return signInPage(response, baseUrl(), error.status, `${error.message}.`);
          throw error;
        }
        redirect(response, PORTAL_PREFIX, [cookie(SESSION_COOKIE, token, LIMITS.portalSessionSeconds, baseUrl()), cookie(SIGNIN_CSRF_COOKIE, '', 0, baseUrl())]);
      },
    },
    {
      method: 'GET',
      path: PORTAL_PREFIX,
      handle: (request, response) => {
        const session = findSession(db, cookies(request)[SESSION_COOKIE]);
        if (!session) return redirect(response, `${PORTAL_PREFIX}/signin`);
        sendAppShell(response, session);
      },
    },
    {
      method: 'POST',
      path: `${PORTAL_PREFIX}/signout`,
      handle: async (request, response) => {
        refuseCrossSite(request, baseUrl());
        const token = cookies(request)[SESSION_COOKIE];
        const session = findSession(db, token);
        if (!session) return redirect(response, `${PORTAL_PREFIX}/signin`, [cookie(SESSION_COOKIE, '', 0, baseUrl())]);
        requireCsrfToken((await readForm(request)).get('csrf'), session.csrfToken);
        signOut(db, token!);
        redirect(response, `${PORTAL_PREFIX}/signin`, [cookie(SESSION_COOKIE, '', 0, baseUrl())]);
      },
    },
  ];
}
