/**
 * Serves a stored asset (video, poster, model file) the way a CDN would, so browsers and
 * video players can seek (`Range`) and caches never re-download a finished render (strong
 * `ETag` plus `immutable`): assets are content-addressed and never change once written.
 *
 * Decisions:
 * - Range is honoured for GET only (RFC 9110 §14.2); HEAD answers as a full GET would.
 * - One range → 206. Several ranges → the whole file with 200 (allowed by RFC 9110, and
 *   no player needs multipart/byteranges). A malformed or non-`bytes` Range is ignored → 200.
 * - An unsatisfiable range → 416 with a `Content-Range` giving the size and the usual JSON
 *   error envelope (`range_not_satisfiable`), written here because the header must go with it.
 * - `If-None-Match` (weak comparison, `*` allowed) wins over `If-Modified-Since` → 304.
 * - `If-Range` with an ETag (strong comparison) or an HTTP date; on mismatch the whole file.
 *
 * Errors before the first byte is written reject as RenderbayError (`file_not_found` 404,
 * `method_not_allowed` 405) so the router can answer with its envelope. A client that
 * disconnects mid-body resolves quietly; a read error mid-body destroys the response (the
 * status line is already gone) and rejects, for logging only.
 *
 * @example
 * await sendFile(request, response, videoPath, { contentType: 'video/mp4', etag: sha256, immutable: true });
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RenderbayError } from '../errors.js';
import { attachmentDisposition } from './content-disposition.js';

export interface SendFileOptions {
  contentType: string;
  /** A strong validator, e.g. the file's SHA-256; quotes are added when missing. */
  etag: string;
  /** Finished, content-addressed assets: cache for a year without revalidation. */
  immutable: boolean;
  /** When set, `Content-Disposition: attachment; filename="…"`. */
  downloadName?: string;
  /** Replaces the Cache-Control `immutable` chooses (signed URLs: private, no longer than the signature lives). */
  cacheControl?: string;
}

type ByteRange = { start: number; end: number };

export async function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  filePath: string,
  options: SendFileOptions,
): Promise<void> {
  assertReadMethod(request, response);
  let handle: FileHandle;
  try {
    handle = await open(filePath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RenderbayError('file_not_found', 'File not found', 404);
    }
    throw error;
  }
  let streaming = false;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new RenderbayError('file_not_found', 'File not found', 404);
    await sendRepresentation(request, response, {
      ...options,
      size: stats.size,
      lastModified: stats.mtime,
      // The stream owns the handle from here and closes it when it ends or is destroyed.
      body: (start, end) => {
        streaming = true;
        return handle.createReadStream({ start, end });
      },
    });
  } finally {
    if (!streaming) await handle.close();
  }
}

export interface Representation extends SendFileOptions {
  size: number;
  lastModified: Date;
  /** Bytes `start`–`end` (inclusive) of the body; called at most once, never for HEAD, 304 or an empty body. */
  body: (start: number, end: number) => Readable;
}

/**
 * What sendFile does for any body whose size and validators are known before the first
 * byte: a file, or a zip laid out from stored files (zip-stream.ts). Conditional requests,
 * Range, HEAD and the caching headers are decided here, once for every asset.
 */
export async function sendRepresentation(request: IncomingMessage, response: ServerResponse, representation: Representation): Promise<void> {
  const method = assertReadMethod(request, response);
  const { size } = representation;
  const etag = representation.etag.startsWith('"') ? representation.etag : `"${representation.etag}"`;
  const lastModified = representation.lastModified.toUTCString();

  response.setHeader('Accept-Ranges', 'bytes');
  response.setHeader('ETag', etag);
  response.setHeader('Last-Modified', lastModified);
  response.setHeader('Cache-Control', representation.cacheControl ?? (representation.immutable ? 'public, max-age=31536000, immutable' : 'no-cache'));

  if (isNotModified(request, etag, representation.lastModified)) {
    response.writeHead(304).end();
    return;
  }

  let range: ByteRange | 'unsatisfiable' | null = null;
  if (method === 'GET' && request.headers.range && ifRangeMatches(firstHeader(request.headers['if-range']), etag, lastModified)) {
    range = parseRange(request.headers.range, size);
  }
  if (range === 'unsatisfiable') {
    const body = JSON.stringify({
      error: { code: 'range_not_satisfiable', message: `Range not satisfiable: the file has ${size} bytes`, status: 416 },
    });
    response.writeHead(416, {
      'Content-Range': `bytes */${size}`,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
    return;
  }

  response.setHeader('Content-Type', representation.contentType);
  if (representation.downloadName !== undefined) {
    response.setHeader('Content-Disposition', attachmentDisposition(representation.downloadName));
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : size - 1;
  if (range) response.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  response.setHeader('Content-Length', end - start + 1);
  response.writeHead(range ? 206 : 200);
  if (method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  try {
    await pipeline(representation.body(start, end), response);
  } catch (error) {
    if (isClientGone(error)) return;
    response.destroy();
    throw error;
  }
}

/** GET or HEAD (the method), or `method_not_allowed` with the Allow header set. */
function assertReadMethod(request: IncomingMessage, response: ServerResponse): 'GET' | 'HEAD' {
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    throw new RenderbayError('method_not_allowed', `${method} is not allowed here; use GET or HEAD`, 405);
  }
  return method;
}

/** RFC 9110 §13.1.2 (weak comparison), then §13.1.3 when If-None-Match is absent. */
export function isNotModified(request: IncomingMessage, etag: string, mtime: Date): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
  }
  const ifModifiedSince = request.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  // HTTP dates have whole seconds; the file's mtime usually does not.
  return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** RFC 9110 §13.1.5: a strong ETag match or the exact Last-Modified date. */
function ifRangeMatches(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === etag;
  if (value.startsWith('W/')) return false;
  return Date.parse(value) === Date.parse(lastModified);
}

/**
 * One `bytes=` range, clamped to the file; null when the header is to be ignored (malformed,
 * another unit, several ranges) and 'unsatisfiable' for a well-formed range past the end.
 */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | null {
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return null;
  const specs = match[1]!.split(',').map((spec) => spec.trim()).filter((spec) => spec !== '');
  if (specs.length !== 1) return null;
  const spec = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (!spec) return null;
  const [, first, last] = spec as unknown as [string, string, string];
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffixLength = Number(last);
    if (!Number.isSafeInteger(suffixLength)) return null;
    if (suffixLength === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffixLength), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** The response side failed (client closed or reset) rather than the file read. */
export function isClientGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}
