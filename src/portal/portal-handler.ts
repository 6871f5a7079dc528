/**
 * The portal under /portal: sign-in and sign-out (signin-pages.ts), the signed-in app (its page
 * and bundle, app-shell.ts; its JSON under /portal/api: the /v1 routes and portal-routes.ts with
 * session-cookie authentication, session-auth.ts; live changes, event-stream.ts), and its public side —
 * share pages and their files, and oEmbed. No
 * key and no cookie: each route asks `findShareableRender`, so a render that is missing, not
 * done, or not shared answers the same 404. The files are served with Range (a `<video>` seeks)
 * and revalidated on each use (`no-cache` + ETag), so withdrawing a share takes effect at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import findMyWay, { type HTTPVersion } from 'find-my-way';
import { mountRoutes, notFound, sendError, sendJson, v1Routes } from '../api/http-app.js';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { isClientGone, sendFile } from '../http/send-file.js';
import { assetType, renderAssets, requireRenderAsset, type AssetName, type StillAssetName } from '../renders/render-assets.js';
import { oembedPath, PORTAL_PREFIX } from '../sharing/share-paths.js';
import { findShareableRender } from '../sharing/sharing.js';
import { ASSETS_PREFIX, sendAsset } from './app-shell.js';
import { streamAccountEvents } from './event-stream.js';
import { oembedFor } from './oembed.js';
import { portalRoutes } from './portal-routes.js';
import { authorizeSession, requireSession } from './session-auth.js';
import { NOT_FOUND_PAGE, shareFacts, sharePageHtml } from './share-page.js';
import { signinRoutes } from './signin-pages.js';

export const PORTAL_API_PREFIX = `${PORTAL_PREFIX}/api`;

export function isPortalRequest(url: string | undefined): boolean {
  return url === PORTAL_PREFIX || url?.startsWith(`${PORTAL_PREFIX}/`) === true || url?.startsWith(`${PORTAL_PREFIX}?`) === true;
}

/** Scripts, plugins and other origins' content are refused; the page may be framed anywhere (oEmbed's iframe). */
const PAGE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

function sendPage(response: ServerResponse, status: number, page: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': PAGE_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
  });
  response.end(page);
}

export function createPortalHandler(
  context: AppContext,
  baseUrl: () => string,
  log: (message: string) => void = (message) => process.stderr.write(`renderbay portal: ${message}\n`),
): (request: IncomingMessage, response: ServerResponse) => void {
  const router = findMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true, caseSensitive: true, defaultRoute: notFound });

  /** A file of a shareable render: the first of `names` it has. */
  const serveShared = (names: (AssetName | StillAssetName)[]) => async (request: IncomingMessage, response: ServerResponse, renderId: string | undefined) => {
    const { row } = findShareableRender(context, renderId);
    const assets = renderAssets(row);
    const name = names.find((candidate) => assets[candidate as AssetName] !== undefined) ?? names[0];
    const { asset } = requireRenderAsset(context.store, row, name);
    await sendFile(request, response, context.store.pathOf(asset.key), { contentType: assetType(name, asset).contentType, etag: asset.key, immutable: false });
  };
  const files: Record<string, (request: IncomingMessage, response: ServerResponse, renderId: string | undefined) => Promise<void>> = {
    'poster.png': serveShared(['posterFull', 'poster']),
    'web.mp4': serveShared(['web', 'video']),
    video: serveShared(['video']),
  };

  const on = (path: string, handle: (request: IncomingMessage, response: ServerResponse, params: Record<string, string | undefined>, query: Record<string, string>) => Promise<void> | void, page = false) =>
    router.on(['GET', 'HEAD'], path, async (request, response, params, _store, query) => {
      try {
        await handle(request, response, params, query as Record<string, string>);
      } catch (error) {
        if (isClientGone(error)) return;
        if (page && error instanceof RenderbayError && error.status === 404) sendPage(response, 404, NOT_FOUND_PAGE);
        else sendError(response, error, log);
      }
    });

  on(
    `${PORTAL_PREFIX}/v/:id`,
    (_request, response, params) => sendPage(response, 200, sharePageHtml(shareFacts(findShareableRender(context, params.id), baseUrl()))),
    true,
  );
  on(`${PORTAL_PREFIX}/v/:id/:file`, async (request, response, params) => {
    const serve = Object.hasOwn(files, params.file ?? '') ? files[params.file!] : null;
    if (!serve) throw new RenderbayError('not_found', `No such endpoint: ${request.method} ${request.url}`, 404);
    await serve(request, response, params.id);
  });
  on(`${PORTAL_PREFIX}/v/:id/stills/:name`, (request, response, params) => serveShared([`still:${params.name ?? ''}`])(request, response, params.id));
  on(oembedPath, (_request, response, _params, query) => sendJson(response, 200, oembedFor(context, baseUrl(), query)));
  on(`${ASSETS_PREFIX}/:file`, (request, response, params) => sendAsset(request, response, params.file));
  // The signed-in app's JSON: every /v1 route and the portal's own, authenticated by the session cookie (+ CSRF header for changes).
  on(`${PORTAL_API_PREFIX}/events`, (request, response) => streamAccountEvents(context.db, requireSession(context.db, request).caller.account.id, request, response));
  mountRoutes(router, PORTAL_API_PREFIX, [...portalRoutes, ...v1Routes()], {
    context,
    authorize: (request, scope) => authorizeSession(context.db, request, scope, baseUrl()),
    sendError: (response, error) => sendError(response, error, log),
    baseUrl,
  });
  for (const route of signinRoutes(context, baseUrl)) {
    router.on(route.method === 'GET' ? ['GET', 'HEAD'] : ['POST'], route.path, async (request, response) => {
      try {
        await route.handle(request, response);
      } catch (error) {
        if (!isClientGone(error)) sendError(response, error, log);
      }
    });
  }

  return (request, response) => router.lookup(request, response);
}
