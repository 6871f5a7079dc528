/**
 * The network half of the outgoing fetcher; it runs in a worker thread started by
 * `fetcher.ts`, one thread per request, and talks to the main thread only by messages.
 *
 * It uses `node:http`/`node:https`, not undici. undici 7's HTTP/1.1 client asserts
 * (`assert(!this.paused)` in `Parser.finish`) when the origin closes the connection
 * while the body consumer has paused its parser by backpressure (nodejs/undici#5360,
 * fixed only in undici 8, which needs a newer Node): every HTTP/1.0 or `Connection: close`
 * server can trigger it, and the assert is thrown from a socket callback, where nothing
 * can catch it. Two things here keep that case from arising at all:
 * - the body is consumed in a `data` listener that writes each chunk synchronously
 *   (`writeSync`, to a descriptor the main thread opened) or keeps it in memory, so the
 *   response stream is never paused and never asks the socket to pause: there is no
 *   paused parser for a closing socket to find;
 * - node's own client treats a close after the body as the end of a close-delimited
 *   body, or as an incomplete one (an `error`/`close` event), never as an assertion.
 * And if anything still throws in this thread, only the thread ends: the main thread
 * turns its `error`/`exit` into a RenderbayError.
 *
 * Blocking writes are fine here: this thread does nothing else, and the main thread's
 * event loop never waits on them.
 */
import { createHash } from 'node:crypto';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { writeSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { RenderbayError, serializeError, type SerializedError } from '../errors.js';
import { assertAllowedAddress, type AddressPolicy } from './address-guard.js';
import { dialHostname, parseOutgoingUrl } from './outgoing-url.js';

/** What the main thread hands the worker (structured-cloneable: no functions). */
export interface FetchTask {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  maxBytes: number;
  maxRedirects: number;
  policy: AddressPolicy;
  /** Descriptor of the (empty, exclusively created) response file, or null to return the body in memory. */
  fd: number | null;
  /** Bytes of a non-2xx body kept (in memory; the rest is dropped): a provider's error message. 0: not read. */
  errorBodyBytes: number;
}

export interface FetchedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  finalUrl: string;
  /** The body is read for 2xx answers only (otherwise 0, null, null), unless `errorBodyBytes` asks for the start of an error's. */
  bytes: number;
  sha256: string | null;
  body: Uint8Array | null;
}

/** Worker → main thread. */
export type WorkerMessage =
  | { type: 'hop'; url: string }
  | { type: 'lookup'; id: number; hostname: string }
  | { type: 'done'; response: FetchedResponse }
  /** `code: 'internal'` for our own failure (writing the file), anything else is the remote side's. */
  | { type: 'failed'; error: SerializedError };

/** What the main thread found for a hostname: checked addresses, a refusal by the address guard, or a DNS failure. */
export type LookupOutcome =
  | { addresses: LookupAddress[] }
  | { refused: SerializedError }
  | { failure: { code: string | undefined; message: string } };

/** Main thread → worker: the answer to the `lookup` with this id. */
export type LookupAnswer = { id: number } & LookupOutcome;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** A failure of our own side (the response file), reported as `internal`, not as the server's fault. */
class OwnFailure extends Error {}

const pendingLookups = new Map<number, (answer: LookupAnswer) => void>();
let lookupCount = 0;
/** The hop being requested, so that a failure names the host it happened on. */
let currentUrl = '';

/**
 * Name resolution is the main thread's: it owns the resolver (the system's, or a test's)
 * and checks every answer against the address policy. The socket then dials only what it
 * was given, so the address checked is the address connected to, on every hop.
 */
function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  const id = ++lookupCount;
  pendingLookups.set(id, (answer) => {
    if ('refused' in answer) return callback(Object.assign(new Error(answer.refused.message), { refusal: answer.refused }), '');
    if ('failure' in answer) return callback(Object.assign(new Error(answer.failure.message), { code: answer.failure.code }), '');
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    const wanted = family === 0 ? answer.addresses : answer.addresses.filter((candidate) => candidate.family === family);
    if (wanted.length === 0) return callback(Object.assign(new Error(`no address found for ${hostname}`), { code: 'ENOTFOUND' }), '');
    if (options.all) callback(null, wanted);
    else callback(null, wanted[0]!.address, wanted[0]!.family);
  });
  post({ type: 'lookup', id, hostname });
}

async function fetchInThisThread(task: FetchTask): Promise<FetchedResponse> {
  let url = new URL(task.url);
  let method = task.method;
  let body = task.body;
  const headers: OutgoingHttpHeaders = { ...task.headers };
  for (let redirects = 0; ; redirects++) {
    currentUrl = url.href;
    post({ type: 'hop', url: url.href });
    const hostname = dialHostname(url);
    // Node skips `lookup` for IP literals, so those are checked here, before any connection.
    if (net.isIP(hostname) !== 0) assertAllowedAddress(hostname, hostname, task.policy);
    const { request, response } = await send(url, method, headers, body);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      request.destroy();
      if (redirects >= task.maxRedirects) {
        throw new RenderbayError('invalid_url', `Too many redirects (more than ${task.maxRedirects}) from ${url.host}`, 400);
      }
      const next = parseOutgoingUrl(location, url);
      if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
        delete headers['content-type'];
      }
      url = next;
      continue;
    }
    if (status < 200 || status >= 300) {
      // A failure's body is not read, except the start of it when the caller wants its message.
      const start = task.errorBodyBytes > 0 ? await readBodyStart(request, response, task.errorBodyBytes) : (request.destroy(), null);
      return { status, headers: response.headers, finalUrl: url.href, bytes: 0, sha256: null, body: start };
    }
    const declaredBytes = Number(response.headers['content-length']);
    if (declaredBytes > task.maxBytes) {
      request.destroy(); // refused before reading a single byte of the body
      throw tooLarge(task.maxBytes, `the server declares ${declaredBytes} bytes`);
    }
    const read = await readBody(request, response, task);
    return { status, headers: response.headers, finalUrl: url.href, ...read };
  }
}

function send(url: URL, method: string, headers: OutgoingHttpHeaders, body: Uint8Array | null): Promise<{ request: http.ClientRequest; response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      {
        hostname: dialHostname(url),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        lookup: guardedLookup,
        agent: false, // one connection per request (`Connection: close`): nothing is pooled or reused
      },
      (response) => resolve({ request, response }),
    );
    request.on('error', reject); // kept for the request's life: a later error must not go unheard
    request.end(body ?? undefined);
  });
}

/** The first `limit` bytes of a body (an error's message); the connection is dropped after them. */
function readBodyStart(request: http.ClientRequest, response: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = () => {
      request.destroy();
      resolve(new Uint8Array(Buffer.concat(chunks).subarray(0, limit)));
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= limit) done();
    });
    response.once('end', done);
    response.once('error', done);
    response.once('aborted', done);
  });
}

/** Reads a 2xx body without ever pausing the stream; stops at the first byte over `maxBytes`. */
function readBody(request: http.ClientRequest, response: IncomingMessage, task: FetchTask): Promise<Omit<FetchedResponse, 'status' | 'headers' | 'finalUrl'>> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      request.destroy();
      reject(error);
    };
    response.on('data', (chunk: Buffer) => {
      if (settled) return;
      bytes += chunk.length;
      // Content-Length may be absent or a lie: the count is what we trust.
      if (bytes > task.maxBytes) return fail(tooLarge(task.maxBytes, 'the body went past it'));
      hash.update(chunk);
      if (task.fd === null) chunks.push(chunk);
      else {
        try {
          for (let offset = 0; offset < chunk.length; ) offset += writeSync(task.fd, chunk, offset);
        } catch (error) {
          fail(new OwnFailure(`writing the response to its file failed: ${(error as Error).message}`));
        }
      }
    });
    response.once('end', () => {
      if (settled) return;
      settled = true;
      resolve({ bytes, sha256: hash.digest('hex'), body: task.fd === null ? joined(chunks, bytes) : null });
    });
    response.once('error', fail);
    request.once('error', fail);
    response.once('close', () => {
      if (!response.complete) fail(Object.assign(new Error('the connection closed before the body was complete'), { code: 'INCOMPLETE_BODY' }));
    });
  });
}

/** One Uint8Array that owns its own ArrayBuffer, so it can be transferred rather than copied. */
function joined(chunks: Buffer[], bytes: number): Uint8Array {
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

function tooLarge(maxBytes: number, detail: string): RenderbayError {
  return new RenderbayError('file_too_large', `File is larger than the ${formatBytes(maxBytes)} limit (${detail})`, 400);
}

function formatBytes(bytes: number): string {
  const mib = 1024 * 1024;
  if (bytes >= mib && bytes % mib === 0) return `${bytes / mib} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

// Network failures arrive as Node errors; name the common ones in words.
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  INCOMPLETE_BODY: 'the connection closed before the body was complete',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** What the main thread is told about a failure on `url`. */
function describeFailure(error: unknown, url: string): SerializedError {
  if (error instanceof RenderbayError) return error.toJSON();
  if (error instanceof OwnFailure) return serializeError(error); // `internal`
  const refusal = (error as { refusal?: SerializedError } | null)?.refusal;
  if (refusal) return refusal;
  const code = errorCode(error);
  const reason = code?.startsWith('HPE_')
    ? 'the answer is not valid HTTP'
    : ((code !== undefined ? NETWORK_REASONS[code] : undefined) ?? (error instanceof Error ? error.message : String(error)));
  return { code: 'download_failed', message: `Request to ${new URL(url).host} failed: ${reason}${code ? ` (${code})` : ''}`, status: 400 };
}

/** The errno code; with happy eyeballs Node reports an AggregateError of per-address failures. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  return Array.isArray(errors) ? errorCode(errors[0]) : undefined;
}

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

if (parentPort && (workerData as FetchTask | null)?.url) {
  const task = workerData as FetchTask;
  parentPort.on('message', (answer: LookupAnswer) => {
    const waiting = pendingLookups.get(answer.id);
    pendingLookups.delete(answer.id);
    waiting?.(answer);
  });
  fetchInThisThread(task).then(
    (response) => post({ type: 'done', response }, response.body ? [response.body.buffer as ArrayBuffer] : []),
    (error: unknown) => post({ type: 'failed', error: describeFailure(error, currentUrl) }),
  );
}
