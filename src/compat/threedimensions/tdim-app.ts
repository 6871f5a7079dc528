/**
 * The 3Dimensions API, mounted at /compat/3dimensions: a script written for
 * `https://threedimensions.studio/api/v1/...` works against
 * `http://HOST:PORT/compat/3dimensions/api/v1/...` with a Renderbay key as its Bearer token.
 * The document's shapes and error shape (`{ "error": { "code", "message" } }`: 401 bad key,
 * 402 out of credits, 400 bad request; 503 `provider_not_configured` for an image render with
 * no provider set). Absolute URLs start at the server's public URL, never at a Host header.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import findMyWay, { type HTTPVersion } from 'find-my-way';
import { getAccount } from '../../accounts/accounts.js';
import { authenticate } from '../../accounts/api-keys.js';
import { mountRoutes, readJson, sendJson, type Route } from '../../api/http-app.js';
import type { AppContext } from '../../context.js';
import { errorEnvelope, RenderbayError } from '../../errors.js';
import { sendFile } from '../../http/send-file.js';
import { LIMITS } from '../../limits.js';
import { verifySignedRequest } from '../../sharing/signed-urls.js';
import { storeUpload, uploadFile, UPLOADS_ROUTE } from './tdim-images.js';
import { createThreeDimensionsRender, fetchRender, restyleOutput, RESTYLE_FILES_ROUTE, type SurfaceUrls } from './tdim-renders.js';
import { threeDimensionsStyles } from './tdim-styles.js';

export const THREE_DIMENSIONS_PREFIX = '/compat/3dimensions';
/** A JSON body may carry an image as base64 (4 characters per 3 bytes) beside its other fields. */
const MAX_BODY_BYTES = Math.ceil((LIMITS.maxCompatImageBytes * 4) / 3) + 64 * 1024;

export const isThreeDimensionsRequest = (url: string | undefined): boolean => url === THREE_DIMENSIONS_PREFIX || (url?.startsWith(`${THREE_DIMENSIONS_PREFIX}/`) ?? false);

function threeDimensionsRoutes(urls: () => SurfaceUrls): Route[] {
  const base = () => `${urls().serverBase}${THREE_DIMENSIONS_PREFIX}`;
  return [
    {
      method: 'GET',
      path: '/api/v1/me',
      scope: 'read',
      handle: ({ caller, context }) => {
        const account = getAccount(context.db, caller.account.id);
        return { body: { account: { id: account.id, email: account.email }, plan: 'renderbay-local', credits: account.credits } };
      },
    },
    { method: 'GET', path: '/api/v1/styles', scope: 'read', handle: () => ({ body: threeDimensionsStyles() }) },
    { method: 'POST', path: '/api/v1/uploads', scope: 'write', handle: async ({ request, context }) => ({ status: 201, body: await storeUpload(context, await readJson(request, MAX_BODY_BYTES), base()) }) },
    {
      method: 'POST',
      path: '/api/v1/renders',
      scope: 'write',
      handle: async ({ request, response, caller, context }) => {
        const gone = new AbortController();
        response.once('close', () => gone.abort());
        return { body: await createThreeDimensionsRender(context, caller.account.id, await readJson(request, MAX_BODY_BYTES), urls(), gone.signal) };
      },
    },
    { method: 'GET', path: '/api/v1/renders/:id', scope: 'read', handle: ({ params, caller, context }) => ({ body: fetchRender(context, caller.account.id, params.id, urls()) }) },
    {
      method: 'GET',
      path: `${UPLOADS_ROUTE}/:name`,
      scope: null,
      handle: async ({ request, response, params, context }) => {
        const upload = uploadFile(context, params.name);
        if (!upload) throw new RenderbayError('file_not_found', 'File not found', 404);
        await sendFile(request, response, upload.path, { contentType: upload.contentType, etag: createHash('sha256').update(params.name!).digest('hex').slice(0, 32), immutable: true });
      },
    },
    {
      method: 'GET',
      path: `${RESTYLE_FILES_ROUTE}/:accountId/:id`,
      scope: null,
      handle: async ({ request, response, params, query, context }) => {
        verifySignedRequest(context.db, (request.url ?? '').split('?')[0], query);
        const output = restyleOutput(context, params.accountId, params.id);
        await sendFile(request, response, output.path, { contentType: output.contentType, etag: createHash('sha256').update(output.path).digest('hex').slice(0, 32), immutable: true });
      },
    },
  ];
}

function sendThreeDimensionsError(response: ServerResponse, error: unknown, log: (message: string) => void): void {
  const { code, message, status } = errorEnvelope(error, log);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, status, { error: { code, message } });
}

export function createThreeDimensionsHandler(
  context: AppContext,
  baseUrl: () => string,
  log: (message: string) => void = (message) => process.stderr.write(`renderbay 3dimensions: ${message}\n`),
) {
  const router = findMyWay<HTTPVersion.V1>({
    ignoreTrailingSlash: true,
    caseSensitive: true,
    defaultRoute: (request, response) => sendJson(response, 404, { error: { code: 'not_found', message: `No such endpoint: ${request.method} ${request.url}` } }),
  });
  mountRoutes(router, THREE_DIMENSIONS_PREFIX, threeDimensionsRoutes(() => ({ serverBase: baseUrl(), prefix: THREE_DIMENSIONS_PREFIX })), {
    context,
    authorize: (request, scope) => authenticate(context.db, request.headers.authorization, scope),
    sendError: (response, error) => sendThreeDimensionsError(response, error, log),
    baseUrl,
  });
  return (request: IncomingMessage, response: ServerResponse): void => router.lookup(request, response);
}
