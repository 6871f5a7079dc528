/**
 * The signed-in portal's page and its front-end files. `GET /portal` answers a small HTML
 * shell (who is signed in, a sign-out form that works without script, and the app's mount
 * point); the app itself is the bundle `npm run build` writes (scripts/build-portal.mjs:
 * Preact + htm, three.js for the 3D view in its own chunk) to dist/portal-assets/ with
 * content-hashed names, served under /portal/assets/ as immutable, precompressed (brotli or
 * gzip when the browser takes it). Nothing loads from another origin: no CDN, no web fonts.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import { html } from '../http/html.js';
import { PORTAL_PREFIX } from '../sharing/share-paths.js';
import type { PortalSession } from './sessions.js';

export const ASSETS_PREFIX = `${PORTAL_PREFIX}/assets`;
const ASSET_DIRECTORY = fileURLToPath(new URL('../../portal-assets/', import.meta.url));

/** What the build wrote: the entry files' hashed names. */
interface Manifest {
  script: string;
  style: string;
}

let manifest: Manifest | null = null;
function readManifest(): Manifest {
  try {
    return (manifest ??= JSON.parse(readFileSync(path.join(ASSET_DIRECTORY, 'manifest.json'), 'utf8')) as Manifest);
  } catch {
    throw new RenderbayError('portal_not_built', 'The portal\'s front end is not built: run npm run build', 503);
  }
}

/** The app's own requests may go to this server only; the 3D view decodes textures from blob: URLs. */
const APP_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self'",
  "connect-src 'self' blob: data:",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function sendAppShell(response: ServerResponse, session: PortalSession): void {
  const { script, style } = readManifest();
  const { account, key } = session.caller;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Renderbay</title><meta name="csrf-token" content="${session.csrfToken}">
<link rel="stylesheet" href="${ASSETS_PREFIX}/${style}"><link rel="modulepreload" href="${ASSETS_PREFIX}/${script}">
</head><body>
<header class="topbar"><a class="brand" href="#/models">Renderbay</a>
<p class="who">Signed in as <strong>${account.email}</strong> with key <code>${key?.prefix ?? ''}…</code> (${key?.name ?? ''}); <span id="credits">${account.credits}</span> credits.</p>
<form method="post" action="${PORTAL_PREFIX}/signout"><input type="hidden" name="csrf" value="${session.csrfToken}"><button type="submit" class="secondary">Sign out</button></form>
</header>
<div id="app"><noscript>The portal needs JavaScript; the REST API and CLI work without it.</noscript></div>
<script type="module" src="${ASSETS_PREFIX}/${script}"></script>
</body></html>
`.text;
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': APP_POLICY,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  });
  response.end(page);
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };
const files = new Map<string, Buffer | null>();

function readAsset(name: string): Buffer | null {
  if (!files.has(name)) {
    let bytes: Buffer | null = null;
    try {
      bytes = readFileSync(path.join(ASSET_DIRECTORY, name));
    } catch {
      /* absent: null, remembered */
    }
    files.set(name, bytes);
  }
  return files.get(name)!;
}

/** `GET /portal/assets/:file`: a bundle file, its content-hashed name making it cacheable forever. */
export function sendAsset(request: IncomingMessage, response: ServerResponse, name: string | undefined): void {
  const type = TYPES[path.extname(name ?? '')];
  const plain = name && type && /^[\w.-]+$/.test(name) ? readAsset(name) : null;
  if (!plain) throw new RenderbayError('not_found', `No such file: ${request.url}`, 404);
  const accepted = String(request.headers['accept-encoding'] ?? '');
  const encoding = /\bbr\b/.test(accepted) && readAsset(`${name}.br`) ? 'br' : /\bgzip\b/.test(accepted) && readAsset(`${name}.gz`) ? 'gzip' : null;
  const body = encoding ? readAsset(`${name}.${encoding === 'br' ? 'br' : 'gz'}`)! : plain;
  const etag = `"${name}${encoding ? `-${encoding}` : ''}"`;
  const headers: Record<string, string | number> = {
    'Content-Type': type!,
    'Cache-Control': 'public, max-age=31536000, immutable',
    ETag: etag,
    Vary: 'Accept-Encoding',
    'X-Content-Type-Options': 'nosniff',
  };
  if (encoding) headers['Content-Encoding'] = encoding;
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}
