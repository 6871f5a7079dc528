/**
 * Downloads a model from a user-supplied URL into a new temp file, hashing it on the way.
 *
 * The URL is untrusted, so the download is too: http(s) only, no credentials in the URL,
 * no loopback/private/link-local/… targets (checked on the address actually dialled, on
 * every redirect hop), a byte limit enforced while streaming, and one time budget for the
 * whole exchange. On any failure nothing is left in `directory`.
 *
 * ```ts
 * const file = await downloadToFile(body.url, store.tempDirectory, { allowPrivate: config.allowPrivateUrls });
 * await store.put(file.path, file.sha256);
 * ```
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { guardedConnector, systemResolver, type Resolver } from './address-guard.js';
import { downloadFilename } from './download-filename.js';

export interface DownloadOptions {
  /** Allow loopback/private/link-local/unique-local/reserved targets (RENDERBAY_ALLOW_PRIVATE_URLS=1; tests). */
  allowPrivate: boolean;
  /** Individual non-public addresses to allow anyway (an internal mirror; tests). Default: none. */
  allowAddresses: readonly string[];
  /** Largest body accepted, in bytes; checked on Content-Length and again while streaming. */
  maxBytes: number;
  /** Total time budget in ms: DNS, connect, every redirect and the whole body. */
  timeoutMs: number;
  /** Most redirects followed; scheme and target are re-checked on every hop. */
  maxRedirects: number;
  /** Hostname resolver used for the connections; every address it returns is still checked. */
  resolve: Resolver;
}

export const DEFAULTS: Readonly<DownloadOptions> = {
  allowPrivate: false,
  allowAddresses: [],
  maxBytes: LIMITS.maxModelBytes,
  timeoutMs: LIMITS.urlDownloadTimeoutMs,
  maxRedirects: LIMITS.maxUrlRedirects,
  resolve: systemResolver,
};

export interface DownloadedFile {
  /** The temp file inside `directory`; the caller owns it (move it into the store or delete it). */
  path: string;
  bytes: number;
  /** SHA-256 of the content, hex. */
  sha256: string;
  /** Display name: Content-Disposition, else the URL's last path segment, else `model`. */
  filename: string;
  contentType: string | null;
  /** The URL the file finally came from, after redirects. */
  finalUrl: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function downloadToFile(
  url: unknown,
  directory: string,
  options: Partial<DownloadOptions> = {},
): Promise<DownloadedFile> {
  const settings = withDefaults(options);
  let currentUrl = parseDownloadUrl(url);

  // One clock for everything, so a slow server cannot stretch the budget hop by hop or byte by byte.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new RenderbayError('timeout', `Download did not finish within ${settings.timeoutMs / 1000} s`, 408)),
    settings.timeoutMs,
  );
  // A fresh agent per download: no connection is reused from (or leaked to) another download.
  const agent = new Agent({
    connect: guardedConnector(settings, settings.resolve, settings.timeoutMs),
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
  });
  let tempPath: string | null = null;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await request(currentUrl, {
        dispatcher: agent,
        signal: deadline.signal,
        headers: { 'user-agent': 'Renderbay', accept: '*/*' },
      });
      const location = header(response.headers, 'location');
      if (REDIRECT_STATUSES.has(response.statusCode) && location !== undefined) {
        discard(response.body);
        if (redirects >= settings.maxRedirects) {
          throw new RenderbayError('invalid_url', `Too many redirects (more than ${settings.maxRedirects}) from ${currentUrl.host}`, 400);
        }
        currentUrl = parseDownloadUrl(location, currentUrl);
        continue;
      }
      if (response.statusCode >= 300) {
        discard(response.body);
        const reason = STATUS_CODES[response.statusCode] ?? 'unexpected status';
        throw new RenderbayError('download_failed', `Download from ${currentUrl.host} failed: the server answered HTTP ${response.statusCode} ${reason}`, 400);
      }
      const declaredBytes = Number(header(response.headers, 'content-length'));
      if (declaredBytes > settings.maxBytes) {
        discard(response.body); // refuse before reading a single byte of the body
        throw tooLarge(settings.maxBytes, `the server declares ${declaredBytes} bytes`);
      }
      tempPath = path.join(directory, `download-${randomUUID()}.part`);
      const { bytes, sha256 } = await writeBody(response.body, tempPath, settings.maxBytes);
      return {
        path: tempPath,
        bytes,
        sha256,
        filename: downloadFilename(header(response.headers, 'content-disposition'), currentUrl),
        contentType: header(response.headers, 'content-type') ?? null,
        finalUrl: currentUrl.href,
      };
    }
  } catch (error) {
    if (tempPath !== null) await rm(tempPath, { force: true });
    // Our own filesystem failing (a missing or full directory) is not the URL's fault: let it surface as internal.
    if (isFileSystemError(error)) throw error;
    throw asRenderbayError(error, deadline.signal, currentUrl);
  } finally {
    clearTimeout(timer);
    await agent.destroy();
  }
}

/** Parses and checks one URL (the request's, or a redirect's Location relative to `base`). */
function parseDownloadUrl(input: unknown, base?: URL): URL {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new RenderbayError('url_required', 'url is required: an http:// or https:// address of a .glb or .gltf file', 400);
  }
  const where = base ? `redirect from ${base.host} to` : 'url';
  let url: URL;
  try {
    url = new URL(input.trim(), base);
  } catch {
    throw new RenderbayError('invalid_url', `Malformed ${where} "${input}": expected an http:// or https:// URL`, 400);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RenderbayError('invalid_url', `Unsupported ${where} scheme "${url.protocol}": only http:// and https:// URLs are allowed`, 400);
  }
  if (url.username !== '' || url.password !== '') {
    throw new RenderbayError('invalid_url', `Credentials in the ${where} are not allowed (user:password@host); use a URL that needs none`, 400);
  }
  return url;
}

/** Streams the body into a new file, counting and hashing; stops at the first byte over `maxBytes`. */
async function writeBody(body: Dispatcher.ResponseData['body'], filePath: string, maxBytes: number): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const file = await open(filePath, 'wx', 0o600);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      // Content-Length may be absent or a lie: the count is what we trust.
      if (bytes > maxBytes) throw tooLarge(maxBytes, 'the body went past it');
      hash.update(chunk);
      for (let offset = 0; offset < chunk.length; ) offset += (await file.write(chunk, offset)).bytesWritten;
    }
  } finally {
    await file.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Drops a body we will not read. Undici reports an unread body's destroy as an 'error' event; nobody is listening, so swallow it. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
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

// Network failures arrive as Node/undici errors; name the common ones in words.
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function asRenderbayError(error: unknown, deadline: AbortSignal, url: URL): RenderbayError {
  if (error instanceof RenderbayError) return error;
  const code = errorCode(error);
  if (deadline.aborted || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return deadline.reason instanceof RenderbayError ? deadline.reason : new RenderbayError('timeout', 'Download timed out', 408);
  }
  const reason = (code !== undefined ? NETWORK_REASONS[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
  return new RenderbayError('download_failed', `Download from ${url.host} failed: ${reason}${code ? ` (${code})` : ''}`, 400);
}

/** The errno/undici code; with happy eyeballs Node reports an AggregateError of per-address failures. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  return Array.isArray(errors) ? errorCode(errors[0]) : undefined;
}

function isFileSystemError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { path?: unknown }).path === 'string';
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function withDefaults(options: Partial<DownloadOptions>): DownloadOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULTS, ...given };
}
