/**
 * The Glossi-compatible API, mounted at /compat/glossi: a script written for
 * `https://api.glossi.app/api/v1/...` works against `http://HOST:PORT/compat/glossi/api/v1/...`
 * with a Renderbay key in `X-API-Key`. Glossi's request and response shapes, status names
 * and error shape (`{ "error": message, "code": code }`); underneath, every model, render,
 * credit, template and file is the /v1 services'. Absolute URLs it hands out (upload URLs,
 * file paths) start at the server's public URL, never at a request's Host header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import findMyWay, { type HTTPVersion } from 'find-my-way';
import { authenticate, type Caller, type Scope } from '../../accounts/api-keys.js';
import { mountRoutes, sendJson, type Route } from '../../api/http-app.js';
import { serveRenderAsset } from '../../api/routes/assets.js';
import type { AppContext } from '../../context.js';
import { errorEnvelope, RenderbayError } from '../../errors.js';
import { LIST_MAX_LIMIT } from '../../paging.js';
import { listTemplates } from '../../templates/template-service.js';
import { confirmModel, createModelRecords, modelStatuses, receiveModelUpload } from './glossi-models.js';
import { createProjects } from './glossi-projects.js';
import { getRenderJob, retryRenderJob, startRenders } from './glossi-renders.js';
import { putGlossiWebhook } from './glossi-webhooks.js';
import { UPLOAD_ROUTE } from './upload-urls.js';

export const GLOSSI_PREFIX = '/compat/glossi';
/** Where the surface serves render files (the /v1 file routes, authenticated by X-API-Key). */
const FILES_ROUTE = '/api/v1/files';

export const isGlossiRequest = (url: string | undefined): boolean => url === GLOSSI_PREFIX || (url?.startsWith(`${GLOSSI_PREFIX}/`) ?? false);

/** The surface's routes; `base()` is its absolute base URL, e.g. http://127.0.0.1:8080/compat/glossi. Results are Glossi's bare JSON (`{ body }`). */
function glossiRoutes(base: () => string): Route[] {
  return [
    { method: 'POST', path: '/api/v1/models', scope: 'write', handle: async ({ json, caller, context }) => ({ body: createModelRecords(context, caller.account.id, await json(), base()) }) },
    {
      method: 'PUT',
      path: `${UPLOAD_ROUTE}/:id`,
      scope: null,
      handle: async ({ request, response, params, query, context }) => {
        await receiveModelUpload(context, params.id!, query, request);
        response.writeHead(200, { 'Content-Length': 0 }).end(); // S3 answers an empty 200
      },
    },
    { method: 'POST', path: '/api/v1/models/status', scope: 'read', handle: async ({ json, caller, context }) => ({ body: modelStatuses(context, caller.account.id, await json()) }) },
    { method: 'POST', path: '/api/v1/models/:id/confirm', scope: 'write', handle: async ({ params, caller, context }) => ({ body: await confirmModel(context, caller.account.id, params.id) }) },
    {
      method: 'GET',
      path: '/api/v1/templates',
      scope: 'read',
      handle: ({ query, caller, context }) => {
        const page = listTemplates(context, caller.account.id, { public: query.public, internal: query.internal, limit: LIST_MAX_LIMIT });
        return { body: { templates: page.data.map((template) => ({ templateId: template.id, name: template.name, description: template.description })) } };
      },
    },
    { method: 'POST', path: '/api/v1/projects', scope: 'write', handle: async ({ json, caller, context }) => ({ body: createProjects(context, caller.account.id, await json()) }) },
    { method: 'POST', path: '/api/v1/renders', scope: 'write', handle: async ({ json, caller, context }) => ({ body: await startRenders(context, caller.account.id, await json()) }) },
    {
      method: 'GET',
      path: '/api/v1/renders/:jobId',
      scope: 'read',
      handle: ({ params, caller, context }) => ({ body: getRenderJob(context, caller.account.id, params.jobId, `${base()}${FILES_ROUTE}`) }),
    },
    { method: 'POST', path: '/api/v1/renders/:jobId/retry', scope: 'write', handle: async ({ params, caller, context }) => ({ body: await retryRenderJob(context, caller.account.id, params.jobId) }) },
    {
      method: 'PUT',
      path: '/api/v1/webhooks',
      scope: 'write',
      handle: async ({ json, caller, context }) => ({ body: await putGlossiWebhook(context, caller.account.id, await json()) }),
    },
    {
      method: 'GET',
      path: `${FILES_ROUTE}/renders/:id/video`,
      scope: 'read',
      handle: ({ request, response, params, query, caller, context }) => serveRenderAsset(request, response, context, caller.account.id, params.id, query.quality === 'web' ? 'web' : 'video'),
    },
    {
      method: 'GET',
      path: `${FILES_ROUTE}/renders/:id/stills/:name`,
      scope: 'read',
      handle: ({ request, response, params, caller, context }) => serveRenderAsset(request, response, context, caller.account.id, params.id, `still:${params.name}`),
    },
  ];
}

function sendGlossiError(response: ServerResponse, error: unknown, log: (message: string) => void): void {
  const { code, message, status } = errorEnvelope(error, log);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, status, { error: message, code });
}

/** X-API-Key carries a Renderbay key; the same checks (revoked, expired, scope) as Authorization: Bearer. */
function authenticateKey(context: AppContext, request: IncomingMessage, scope: Scope): Caller {
  const key = request.headers['x-api-key'];
  if (typeof key !== 'string' || key.trim() === '') throw new RenderbayError('unauthorized', 'Missing API key: send X-API-Key: rb_sk_…', 401);
  return authenticate(context.db, `Bearer ${key.trim()}`, scope);
}

/** `baseUrl()`: the server's public URL (known once it listens). */
export function createGlossiHandler(
  context: AppContext,
  baseUrl: () => string,
  log: (message: string) => void = (message) => process.stderr.write(`renderbay glossi: ${message}\n`),
) {
  const router = findMyWay<HTTPVersion.V1>({
    ignoreTrailingSlash: true,
    caseSensitive: true,
    defaultRoute: (request, response) => sendJson(response, 404, { error: `No such endpoint: ${request.method} ${request.url}`, code: 'not_found' }),
  });
  mountRoutes(router, GLOSSI_PREFIX, glossiRoutes(() => `${baseUrl()}${GLOSSI_PREFIX}`), {
    context,
    authorize: (request, scope) => authenticateKey(context, request, scope),
    sendError: (response, error) => sendGlossiError(response, error, log),
    baseUrl,
  });
  return (request: IncomingMessage, response: ServerResponse): void => router.lookup(request, response);
}
