/**
 * CORS for the origins the operator named (`renderbay serve --cors-origin ORIGIN`, repeatable;
 * none by default, when nothing here runs and browsers keep their same-origin rule).
 *
 * - A request from a listed origin gets `Access-Control-Allow-Origin: <that origin>` (never
 *   `*`: keys travel in Authorization) and the response headers a client reads exposed.
 * - A preflight (`OPTIONS` with `Access-Control-Request-Method`) from a listed origin is
 *   answered here, 204, with the methods and request headers the API takes; from any other
 *   origin, 403 `cors_origin_not_allowed`.
 * - Every response says `Vary: Origin`, so a cache never hands one origin's answer to another.
 *
 * ```ts
 * if (answerCors(request, response, config.corsOrigins)) return; // a preflight, answered
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Request headers a browser may send: auth, JSON and multipart bodies, `Prefer: wait`, ranged and conditional downloads, MCP's. */
export const CORS_REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  'Prefer',
  'Range',
  'If-None-Match',
  'If-Modified-Since',
  'If-Range',
  'X-API-Key',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Last-Event-ID',
];
/** Response headers a script may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = [
  'ETag',
  'Content-Range',
  'Content-Length',
  'Content-Disposition',
  'Accept-Ranges',
  'Last-Modified',
  'Preference-Applied',
  'Location',
  'Retry-After',
  'Mcp-Session-Id',
];
/** How long a browser may cache a preflight answer (s). */
const PREFLIGHT_MAX_AGE_S = 600;

/** Sets the CORS headers for `request`; returns true when it was a preflight and has been answered. */
export function answerCors(request: IncomingMessage, response: ServerResponse, allowedOrigins: readonly string[]): boolean {
  if (allowedOrigins.length === 0) return false;
  response.setHeader('Vary', 'Origin');
  const origin = request.headers.origin;
  const allowed = origin !== undefined && allowedOrigins.includes(origin);
  const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  if (allowed) {
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
  }
  if (!preflight) return false;
  if (!allowed) {
    const body = JSON.stringify({ error: { code: 'cors_origin_not_allowed', message: `Origin ${origin ?? '(none)'} is not allowed (renderbay serve --cors-origin)`, status: 403 } });
    response.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
    return true;
  }
  response.writeHead(204, {
    'Access-Control-Allow-Methods': CORS_METHODS.join(', '),
    'Access-Control-Allow-Headers': CORS_REQUEST_HEADERS.join(', '),
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
    'Content-Length': '0',
  });
  response.end();
  return true;
}
