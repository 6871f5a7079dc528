/**
 * How an adapter talks to its service: every request and every download goes through the
 * isolated outgoing fetcher (src/outgoing/fetcher.ts) and its address guard, with a time
 * budget per request and per task, bounded retries (429 honours Retry-After; 5xx and a
 * dropped connection only for requests that are safe to repeat: a create call that failed
 * half-way may have started a paid task), size limits on every answer, and the service's
 * error message read from its documented error shape.
 *
 * A URL a service hands back (a model, a video) is fetched without the API key and judged
 * by the guard like any other URL: public addresses only, unless the operator allowed
 * private ones (--allow-private-urls) or it is the address the operator configured as the
 * service's base URL (an IP literal in RENDERBAY_…_BASE_URL: a local mirror, or a test).
 *
 * ```ts
 * const answer = await providerJson(endpoint, { method: 'POST', path: '/v1/images/generations', json: body }, call);
 * const glb = await providerDownload(endpoint, answer.model_urls.glb, call, { maxBytes, file });
 * ```
 */
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { fetchOutgoing, type OutgoingResponse } from '../outgoing/fetcher.js';
import type { ProviderCall } from './provider-types.js';

export interface ProviderEndpoint {
  /** The adapter's name (messages say which service failed). */
  name: string;
  /** The API's base URL, without a trailing slash. */
  baseUrl: string;
  /** Sent with every API request (the key), never with a download of a returned URL. */
  headers: Record<string, string>;
  /** Allow private addresses everywhere (--allow-private-urls). */
  allowPrivate: boolean;
}

export interface ProviderRequest {
  method: 'GET' | 'POST';
  /** Appended to the base URL. */
  path: string;
  json?: unknown;
  form?: FormData;
  /** Safe to send again after a 5xx or a dropped connection (default: GET only). */
  repeatable?: boolean;
}

/** The code a user sees when a provider fails; the job is failed and refunded. */
export const PROVIDER_FAILED = 'provider_failed';

export function providerFailure(endpoint: Pick<ProviderEndpoint, 'name'>, message: string): RenderbayError {
  return new RenderbayError(PROVIDER_FAILED, `${endpoint.name}: ${message}`, 502);
}

/** The addresses the guard lets through for this endpoint besides public ones: its own base URL's IP literal. */
function allowedAddresses(endpoint: ProviderEndpoint): string[] {
  const host = new URL(endpoint.baseUrl).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) === 0 ? [] : [host];
}

/** An API call that answers JSON; a non-2xx answer after the retries throws `provider_failed` with the service's message. */
export async function providerJson(endpoint: ProviderEndpoint, request: ProviderRequest, call: ProviderCall): Promise<unknown> {
  const answer = await providerRequest(endpoint, request, call, LIMITS.maxProviderAnswerBytes);
  try {
    return JSON.parse(answer.body?.toString('utf8') ?? '');
  } catch {
    throw providerFailure(endpoint, `answered ${request.method} ${request.path} with something that is not JSON`);
  }
}

/** An API call whose 2xx body is returned as bytes (up to `maxBytes`). */
export async function providerRequest(endpoint: ProviderEndpoint, request: ProviderRequest, call: ProviderCall, maxBytes: number): Promise<OutgoingResponse> {
  const { body, contentType } = await encodeBody(request);
  const headers = { ...endpoint.headers, ...(contentType ? { 'content-type': contentType } : {}), accept: 'application/json' };
  const repeatable = request.repeatable ?? request.method === 'GET';
  return withRetries(endpoint, call, repeatable, `${request.method} ${request.path}`, (timeoutMs) =>
    fetchOutgoing(
      { url: `${endpoint.baseUrl}${request.path}`, method: request.method, headers, body },
      {
        allowPrivate: endpoint.allowPrivate,
        allowAddresses: allowedAddresses(endpoint),
        maxBytes,
        timeoutMs,
        maxRedirects: 0,
        responseFile: null,
        errorBodyBytes: LIMITS.providerErrorBodyBytes,
      },
    ),
  );
}

/**
 * Downloads a URL the service returned (a model, a video, an image), without the API key,
 * through the address guard; into `file` (which must not exist) or memory.
 */
export async function providerDownload(
  endpoint: ProviderEndpoint,
  url: unknown,
  call: ProviderCall,
  options: { maxBytes: number; file?: string },
): Promise<OutgoingResponse> {
  if (typeof url !== 'string' || url === '') throw providerFailure(endpoint, 'gave no URL for its result');
  return withRetries(endpoint, call, true, 'the download of its result', (timeoutMs) =>
    fetchOutgoing(
      { url },
      {
        allowPrivate: endpoint.allowPrivate,
        allowAddresses: allowedAddresses(endpoint),
        maxBytes: options.maxBytes,
        timeoutMs,
        responseFile: options.file ?? null,
      },
    ),
  );
}

/**
 * Asks `look` until it returns a result (not undefined): first after LIMITS.providerPollFirstMs,
 * then twice as long each time up to LIMITS.providerPollMaxMs, until the call's signal aborts.
 */
export async function pollTask<T>(call: ProviderCall, look: () => Promise<T | undefined>): Promise<T> {
  let delay: number = LIMITS.providerPollFirstMs;
  for (;;) {
    await pause(delay, call);
    const result = await look();
    if (result !== undefined) return result;
    delay = Math.min(delay * 2, LIMITS.providerPollMaxMs);
  }
}

async function withRetries(
  endpoint: ProviderEndpoint,
  call: ProviderCall,
  repeatable: boolean,
  what: string,
  send: (timeoutMs: number) => Promise<OutgoingResponse>,
): Promise<OutgoingResponse> {
  for (let attempt = 1; ; attempt++) {
    assertNotAborted(call);
    const last = attempt >= LIMITS.providerMaxAttempts;
    let answer: OutgoingResponse;
    try {
      answer = await send(LIMITS.providerRequestTimeoutMs);
    } catch (error) {
      // Refused by the guard, too large, a bad URL: never retried. A dropped or timed-out connection is, when safe.
      const transient = error instanceof RenderbayError && ['download_failed', 'timeout'].includes(error.code);
      if (!transient || !repeatable || last) throw asProviderError(endpoint, error, what);
      await pause(backoffMs(attempt), call);
      continue;
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    const retryable = answer.status === 429 || (repeatable && answer.status >= 500);
    if (!retryable || last) throw providerFailure(endpoint, `${what} answered HTTP ${answer.status}: ${errorMessage(answer)}`);
    const wait = answer.status === 429 ? retryAfterMs(answer.headers['retry-after']) : null;
    if (wait !== null && wait > LIMITS.providerMaxRetryAfterMs) {
      throw providerFailure(endpoint, `rate limited (HTTP 429) and asked to wait ${Math.ceil(wait / 1000)} s, longer than the ${LIMITS.providerMaxRetryAfterMs / 1000} s Renderbay waits`);
    }
    await pause(wait ?? backoffMs(attempt), call);
  }
}

/** A refusal of our own (the guard, a size limit) keeps its code; the rest says which service failed. */
function asProviderError(endpoint: ProviderEndpoint, error: unknown, what: string): RenderbayError {
  if (error instanceof RenderbayError && !['download_failed', 'timeout'].includes(error.code)) return error;
  return providerFailure(endpoint, `${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}

function backoffMs(attempt: number): number {
  return 500 * 2 ** (attempt - 1);
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/**
 * The message in a service's error answer, from the shapes their documentation gives:
 * OpenAI and xAI `{ error: { message } }`, Runway `{ error: "…" }`, Meshy `{ message }`,
 * Stability `{ errors: ["…"] }`; otherwise the start of the text.
 */
export function errorMessage(answer: Pick<OutgoingResponse, 'body'>): string {
  const text = answer.body?.toString('utf8').trim() ?? '';
  if (text === '') return 'no message';
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; errors?: unknown; detail?: unknown };
    const nested = parsed.error !== null && typeof parsed.error === 'object' ? (parsed.error as { message?: unknown }).message : undefined;
    for (const candidate of [nested, parsed.error, parsed.message, Array.isArray(parsed.errors) ? parsed.errors.join('; ') : undefined, parsed.detail]) {
      if (typeof candidate === 'string' && candidate !== '') return candidate.slice(0, 500);
    }
  } catch {
    /* not JSON: the text itself */
  }
  return text.slice(0, 200);
}

async function encodeBody(request: ProviderRequest): Promise<{ body?: Uint8Array; contentType?: string }> {
  if (request.form) {
    // The platform's own multipart encoder (a boundary that cannot occur in the parts).
    const encoded = new Request('http://form.invalid/', { method: 'POST', body: request.form });
    return { body: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? undefined };
  }
  if (request.json !== undefined) return { body: new TextEncoder().encode(JSON.stringify(request.json)), contentType: 'application/json' };
  return {};
}

function assertNotAborted(call: ProviderCall): void {
  if (call.signal.aborted) throw abortReason(call);
}

function abortReason(call: ProviderCall): RenderbayError {
  const reason: unknown = call.signal.reason;
  return reason instanceof RenderbayError ? reason : new RenderbayError('provider_timeout', 'The provider did not finish in time', 504);
}

async function pause(ms: number, call: ProviderCall): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: call.signal });
  } catch {
    throw abortReason(call);
  }
}
