/**
 * The Grok 3D Pipeline API, mounted at /compat/grok3d: a client written for
 * `http://your-server:8000/api/...` works against `http://HOST:PORT/compat/grok3d/api/...`
 * with a Renderbay key as `Authorization: Bearer`, or with none from loopback when the server
 * runs with `--grok3d-open`. The document's shapes and error shape (`{ "error": message }`;
 * a code the client must act on, such as `provider_not_configured`, leads the message).
 * Examples are the shipped set (src/examples/), generations the generation service's.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import findMyWay, { type HTTPVersion } from 'find-my-way';
import { mountRoutes, sendJson, type Route } from '../../api/http-app.js';
import type { AppContext } from '../../context.js';
import { errorEnvelope } from '../../errors.js';
import { sendFile } from '../../http/send-file.js';
import { bearerOrOpenLoopback } from '../open-access.js';
import { grokAsset, grokExamples, grokGenerate, grokStatus } from './grok3d-jobs.js';

export const GROK3D_PREFIX = '/compat/grok3d';

/** Codes whose message alone would not tell a client what to do: they lead it, `code: message`. */
const CODES_SHOWN = new Set(['provider_not_configured', 'no_credits', 'unauthorized', 'forbidden', 'insufficient_scope', 'token_expired']);

export const isGrok3dRequest = (url: string | undefined): boolean => url === GROK3D_PREFIX || (url?.startsWith(`${GROK3D_PREFIX}/`) ?? false);

const grokRoutes: Route[] = [
  { method: 'POST', path: '/api/generate', scope: 'write', handle: async ({ json, caller, context }) => ({ body: grokGenerate(context, caller.account.id, await json()) }) },
  { method: 'GET', path: '/api/status/:jobId', scope: 'read', handle: async ({ params, caller, context }) => ({ body: await grokStatus(context, caller.account.id, params.jobId!) }) },
  {
    method: 'GET',
    path: '/api/asset/:jobId',
    scope: 'read',
    handle: async ({ request, response, params, query, caller, context }) => {
      const asset = await grokAsset(context, caller.account.id, params.jobId!, query.asset_type);
      const { size, mtimeMs } = await stat(asset.path);
      await sendFile(request, response, asset.path, {
        contentType: asset.contentType,
        etag: createHash('sha256').update(`${asset.path}\n${size}\n${mtimeMs}`).digest('hex').slice(0, 32),
        immutable: false,
        // The document's clients download models by navigating to them; an image shows inline (`<img src>`).
        ...(asset.contentType.startsWith('image/') ? {} : { downloadName: asset.downloadName }),
      });
    },
  },
  { method: 'GET', path: '/api/examples', scope: 'read', handle: () => ({ body: grokExamples(GROK3D_PREFIX) }) },
];

export function sendGrokError(response: ServerResponse, error: unknown, log: (message: string) => void): void {
  const { code, message, status } = errorEnvelope(error, log);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, status, { error: CODES_SHOWN.has(code) && !message.startsWith(code) ? `${code}: ${message}` : message });
}

export function createGrok3dHandler(
  context: AppContext,
  baseUrl: () => string,
  log: (message: string) => void = (message) => process.stderr.write(`renderbay grok3d: ${message}\n`),
) {
  const router = findMyWay<HTTPVersion.V1>({
    ignoreTrailingSlash: true,
    caseSensitive: true,
    defaultRoute: (request, response) => sendJson(response, 404, { error: `No such endpoint: ${request.method} ${request.url}` }),
  });
  mountRoutes(router, GROK3D_PREFIX, grokRoutes, {
    context,
    authorize: (request, scope) => bearerOrOpenLoopback(context, request, scope, context.config.grok3dOpen),
    sendError: (response, error) => sendGrokError(response, error, log),
    baseUrl,
  });
  return (request: IncomingMessage, response: ServerResponse): void => router.lookup(request, response);
}
