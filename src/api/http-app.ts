/**
 * The REST API v1 as one request handler: routing (find-my-way), authentication with the
 * reference's error codes, JSON envelopes (`{ data }`, `{ data, meta }`, `{ error }`) and
 * the translation of every failure into a stable code. Routes are thin: each one calls a
 * service function and returns its result.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import findMyWay, { type HTTPVersion } from 'find-my-way';
import { authenticate, type Caller, type Scope } from '../accounts/api-keys.js';
import type { AppContext } from '../context.js';
import { errorEnvelope, RenderbayError } from '../errors.js';
import { isClientGone } from '../http/send-file.js';
import { carriesSignature, signedRenderCaller } from '../sharing/signed-urls.js';
import { accountRoutes } from './routes/account.js';
import { generationRoutes } from './routes/generation.js';
import { assetRoutes } from './routes/assets.js';
import { modelRoutes } from './routes/models.js';
import { jobRoutes } from './routes/jobs.js';
import { environmentRoutes } from './routes/environments.js';
import { lightingRoutes } from './routes/lighting.js';
import { overlayRoutes } from './routes/overlays.js';
import { renderRoutes } from './routes/renders.js';
import { webhookRoutes } from './routes/webhooks.js';
import { templateRoutes } from './routes/templates.js';

export const API_PREFIX = '/v1';
/** Every /v1 route. The portal mounts the same list under /portal/api with session-cookie authentication. */
export function v1Routes(): Route[] {
  return [...modelRoutes, ...renderRoutes, ...assetRoutes, ...overlayRoutes, ...environmentRoutes, ...lightingRoutes, ...templateRoutes, ...jobRoutes, ...accountRoutes, ...webhookRoutes, ...generationRoutes];
}
const MAX_JSON_BYTES = 1024 * 1024;

export interface RouteRequest {
  request: IncomingMessage;
  response: ServerResponse;
  params: Record<string, string | undefined>;
  query: Record<string, string>;
  caller: Caller;
  context: AppContext;
  /** The server's public base URL (`--public-url`, or the address it listens on), for absolute URLs. */
  baseUrl: string;
  /** Set when the request was authorised by a signed URL instead of a key: its expiry (unix seconds). */
  signedUntil?: number;
  /** The parsed JSON body ({} when empty). */
  json(): Promise<unknown>;
}

/** What a route returns: a JSON body to wrap, or nothing when it wrote the response itself. */
export type RouteResult = { status?: number; data: unknown; meta?: unknown } | { status?: number; body: unknown } | void;

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  path: string;
  /** Scope the API key needs; `null` for public routes. */
  scope: Scope | null;
  /** A file of render `:id` that a signed URL (`?expires=…&sig=…`) may fetch instead of a key. */
  signable?: true;
  handle(request: RouteRequest): Promise<RouteResult> | RouteResult;
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  response.end(text);
}

export function sendError(response: ServerResponse, error: unknown, log: (message: string) => void): void {
  const { code, message, status } = errorEnvelope(error, log);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, status, { error: { code, message, status } });
}

/** Reads a JSON body of at most `maxBytes` ({} when empty); a surface taking base64 images passes a larger limit. */
export async function readJson(request: IncomingMessage, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new RenderbayError('invalid_json', `The JSON body is larger than ${Math.round(maxBytes / 1024)} KiB`, 413);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new RenderbayError('invalid_json', 'The request body is not valid JSON', 400);
  }
}

export function createApiHandler(
  context: AppContext,
  log: (message: string) => void = (message) => process.stderr.write(`renderbay api: ${message}\n`),
  baseUrl: () => string = () => context.config.publicUrl ?? `http://${context.config.host}:${context.config.port}`,
) {
  const router = findMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true, caseSensitive: true, defaultRoute: notFound });
  mountRoutes(router, API_PREFIX, v1Routes(), {
    context,
    authorize: (request, scope) => authenticate(context.db, request.headers.authorization, scope),
    sendError: (response, error) => sendError(response, error, log),
    baseUrl,
  });
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (!request.url?.startsWith(`${API_PREFIX}/`)) {
      sendError(response, new RenderbayError('not_found', `No such endpoint: ${request.method} ${request.url}`, 404), log);
      return;
    }
    router.lookup(request, response);
  };
}

/** How a surface (/v1, /compat/glossi) authenticates its callers and reports failures. */
export interface RouteMounting {
  context: AppContext;
  /** The caller with a key of `scope`, or a RenderbayError (unauthorized, insufficient_scope…). */
  authorize(request: IncomingMessage, scope: Scope): Caller;
  sendError(response: ServerResponse, error: unknown): void;
  /** The server's public base URL (--public-url, else the listening address). */
  baseUrl(): string;
}

/** Registers routes under `prefix`: each authenticated, its JSON body read on demand, its result sent as JSON. */
export function mountRoutes(router: findMyWay.Instance<HTTPVersion.V1>, prefix: string, routes: readonly Route[], mounting: RouteMounting): void {
  const { context, baseUrl } = mounting;
  for (const route of routes) {
    const methods = route.method === 'GET' ? (['GET', 'HEAD'] as const) : ([route.method] as const);
    router.on([...methods], `${prefix}${route.path}`, async (request, response, params, _store, searchParams) => {
      try {
        const query = searchParams as Record<string, string>;
        const signed = route.signable === true && carriesSignature(query);
        const caller = signed
          ? signedRenderCaller(context.db, (request.url ?? '').split('?')[0], query, params.id)
          : route.scope
            ? mounting.authorize(request, route.scope)
            : (null as unknown as Caller);
        let body: Promise<unknown> | null = null;
        const result = await route.handle({
          request,
          response,
          params,
          query,
          caller,
          context,
          baseUrl: baseUrl(),
          ...(signed ? { signedUntil: Number(query.expires) } : {}),
          json: () => (body ??= readJson(request)),
        });
        if (!result || response.headersSent || response.writableEnded) return;
        if ('body' in result) sendJson(response, result.status ?? 200, result.body);
        else sendJson(response, result.status ?? 200, result.meta === undefined ? { data: result.data } : { data: result.data, meta: result.meta });
      } catch (error) {
        if (isClientGone(error)) return;
        mounting.sendError(response, error);
      }
    });
  }
}

/** 404 for unknown paths under /v1, in the error envelope. */
export function notFound(request: IncomingMessage, response: ServerResponse): void {
  sendJson(response, 404, { error: { code: 'not_found', message: `No such endpoint: ${request.method} ${request.url}`, status: 404 } });
}
