/**
 * The one way Renderbay makes an outgoing HTTP request (URL ingest today; webhooks and
 * generation providers go through it too). Whatever the remote side does, it cannot end
 * the process: the exchange runs in a worker thread of its own (`fetcher-worker.ts`), and
 * that thread failing, crashing or hanging becomes a RenderbayError here. The main thread
 * keeps what must not depend on the network code:
 * - the total time budget (at the deadline the thread is terminated, whatever it is doing);
 * - name resolution and the address guard (the thread dials only addresses checked here);
 * - the response file: created here (exclusively, 0600), written by the thread through its
 *   descriptor, closed here only once the thread has stopped, and deleted on any failure.
 *
 * Limits: a byte limit checked on Content-Length and while reading, redirects re-checked on
 * every hop (scheme, credentials, address), http(s) only, no credentials in URLs.
 *
 * ```ts
 * const answer = await fetchOutgoing({ url }, { responseFile: path.join(tmp, 'download.part') });
 * const hook = await fetchOutgoing({ url, method: 'POST', headers, body }, { maxBytes: 64 * 1024, maxRedirects: 0 });
 * ```
 */
import type { LookupAddress } from 'node:dns';
import { open, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { Worker } from 'node:worker_threads';
import { deserializeError, RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { assertAllowedAddress, resolveAllowed, systemResolver, type Resolver } from './address-guard.js';
import type { FetchedResponse, FetchTask, LookupAnswer, LookupOutcome, WorkerMessage } from './fetcher-worker.js';
import { dialHostname, parseOutgoingUrl } from './outgoing-url.js';

export interface OutgoingRequest {
  /** http:// or https:// only, without credentials (`invalid_url` otherwise). */
  url: string;
  /** Default GET. */
  method?: string;
  /** Added to `user-agent: Renderbay` and `accept: *\/*`. */
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export interface FetchOptions {
  /** Allow loopback/private/link-local/unique-local/reserved targets (RENDERBAY_ALLOW_PRIVATE_URLS=1; tests). */
  allowPrivate: boolean;
  /** Individual non-public addresses to allow anyway (an internal mirror; tests). Default: none. */
  allowAddresses: readonly string[];
  /** Hostname resolver; every address it returns is checked before the thread may dial it. */
  resolve: Resolver;
  /** Largest body accepted, in bytes; checked on Content-Length and again while reading. */
  maxBytes: number;
  /** Total time budget in ms: starting the thread, DNS, connect, every redirect and the whole body. */
  timeoutMs: number;
  /** Most redirects followed; scheme, credentials and address are re-checked on every hop. */
  maxRedirects: number;
  /** Where a 2xx body goes: a new file at this path (must not exist), or null for a buffer in memory. */
  responseFile: string | null;
  /** Heap limit of the fetcher's thread (MB); bodies live outside it, in Buffers. */
  heapMb: number;
  /** Keep the first this many bytes of a non-2xx body in `body` (a provider's error message); 0: not read. */
  errorBodyBytes: number;
}

export const DEFAULTS: Readonly<FetchOptions> = {
  allowPrivate: false,
  allowAddresses: [],
  resolve: systemResolver,
  maxBytes: LIMITS.maxModelBytes,
  timeoutMs: LIMITS.urlDownloadTimeoutMs,
  maxRedirects: LIMITS.maxUrlRedirects,
  responseFile: null,
  heapMb: LIMITS.fetcherHeapMb,
  errorBodyBytes: 0,
};

export interface OutgoingResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  finalUrl: string;
  /** Bytes and SHA-256 (hex) of a 2xx body; 0 and null otherwise (only 2xx bodies are read). */
  bytes: number;
  sha256: string | null;
  /** A 2xx body when `responseFile` is null; the start of a non-2xx body with `errorBodyBytes`. */
  body: Buffer | null;
  /** `responseFile` when the status was 2xx (the caller owns it now); null otherwise (deleted). */
  file: string | null;
}

export async function fetchOutgoing(request: OutgoingRequest, options: Partial<FetchOptions> = {}): Promise<OutgoingResponse> {
  const settings = withDefaults(options);
  const url = parseOutgoingUrl(request.url);
  // The first hop is checked before a thread or a file exists: a refused URL costs nothing.
  const firstHop = await checkedFirstHop(url, settings);
  const body = typeof request.body === 'string' ? new TextEncoder().encode(request.body) : (request.body ?? null);
  const file = settings.responseFile === null ? null : await open(settings.responseFile, 'wx', 0o600);
  let keepFile = false;
  try {
    const task: FetchTask = {
      url: url.href,
      method: (request.method ?? 'GET').toUpperCase(),
      headers: { 'user-agent': 'Renderbay', accept: '*/*', ...lowerCaseKeys(request.headers ?? {}) },
      body,
      maxBytes: settings.maxBytes,
      maxRedirects: settings.maxRedirects,
      policy: { allowPrivate: settings.allowPrivate, allowAddresses: [...settings.allowAddresses] },
      fd: file?.fd ?? null,
      errorBodyBytes: settings.errorBodyBytes,
    };
    const fetched = await exchangeInThread(task, settings, firstHop);
    const success = fetched.status >= 200 && fetched.status < 300;
    keepFile = file !== null && success;
    return {
      ...fetched,
      body: fetched.body ? Buffer.from(fetched.body.buffer, fetched.body.byteOffset, fetched.body.byteLength) : null,
      file: keepFile ? settings.responseFile : null,
    };
  } finally {
    await file?.close();
    if (file !== null && !keepFile) await rm(settings.responseFile!, { force: true });
  }
}

/**
 * Runs the exchange in a new worker thread and settles only once that thread has stopped,
 * so the caller may close the descriptor it was writing to (a closed number can be reused
 * at once by another open, which a still-running writer would then write into).
 */
function exchangeInThread(task: FetchTask, settings: FetchOptions, firstHop: FirstHop): Promise<FetchedResponse> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fetcher-worker.js', import.meta.url), {
      workerData: task,
      resourceLimits: { maxOldGenerationSizeMb: settings.heapMb },
      // Never onto the process's own stdout: for `renderbay mcp` that is the protocol channel.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let host = new URL(task.url).host;
    let finished = false;
    const finish = (settle: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      worker.terminate().then(settle, settle);
    };
    const timer = setTimeout(
      () => finish(() => reject(new RenderbayError('timeout', `${host} did not answer completely within ${formatSeconds(settings.timeoutMs)}`, 408))),
      settings.timeoutMs,
    );
    worker.on('message', (message: WorkerMessage) => {
      if (finished) return;
      switch (message.type) {
        case 'hop':
          host = new URL(message.url).host;
          return;
        case 'lookup':
          // The first hop's name was resolved and checked already: the thread dials those addresses (once).
          if (firstHop.addresses && firstHop.hostname === message.hostname) {
            worker.postMessage({ id: message.id, addresses: firstHop.addresses } satisfies LookupAnswer);
            firstHop.addresses = null;
            return;
          }
          void answerLookup(message.hostname, settings).then((answer) => {
            if (!finished) worker.postMessage({ id: message.id, ...answer } satisfies LookupAnswer);
          });
          return;
        case 'done':
          return finish(() => resolve(message.response));
        case 'failed':
          return finish(() =>
            // Our own side failing (the file system) is not the URL's fault: a plain Error, reported as `internal`.
            reject(message.error.code === 'internal' ? new Error(`fetching from ${host}: ${message.error.message}`) : deserializeError(message.error)),
          );
      }
    });
    worker.once('error', (error) =>
      finish(() => reject(new RenderbayError('download_failed', `Request to ${host} failed: the fetcher stopped with an error (${error.message})`, 400))),
    );
    worker.once('exit', (code) =>
      finish(() => reject(new RenderbayError('download_failed', `Request to ${host} failed: the fetcher stopped (exit code ${code}) before answering`, 400))),
    );
  });
}

interface FirstHop {
  hostname: string;
  /** Checked addresses for a hostname (null for an IP literal, or once used). */
  addresses: LookupAddress[] | null;
}

async function checkedFirstHop(url: URL, settings: FetchOptions): Promise<FirstHop> {
  const hostname = dialHostname(url);
  if (isIP(hostname) !== 0) {
    assertAllowedAddress(hostname, hostname, settings);
    return { hostname, addresses: null };
  }
  const outcome = await answerLookup(hostname, settings);
  if ('refused' in outcome) throw deserializeError(outcome.refused);
  // A DNS failure is left for the thread to meet and report like any other network failure.
  return { hostname, addresses: 'addresses' in outcome ? outcome.addresses : null };
}

async function answerLookup(hostname: string, settings: FetchOptions): Promise<LookupOutcome> {
  try {
    return { addresses: await resolveAllowed(hostname, settings.resolve, settings) };
  } catch (error) {
    if (error instanceof RenderbayError) return { refused: error.toJSON() };
    const code = (error as { code?: unknown }).code;
    return { failure: { code: typeof code === 'string' ? code : undefined, message: error instanceof Error ? error.message : String(error) } };
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function withDefaults(options: Partial<FetchOptions>): FetchOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULTS, ...given };
}
