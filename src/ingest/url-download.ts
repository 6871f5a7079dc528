/**
 * Downloads a model from a user-supplied URL into a new temp file, hashing it on the way.
 *
 * The URL is untrusted, so the download is too. It goes through the outgoing fetcher
 * (`src/outgoing/fetcher.ts`), which runs the exchange in a thread of its own: http(s) only,
 * no credentials in the URL, no loopback/private/link-local/… targets (checked on the
 * address actually dialled, on every redirect hop), a byte limit enforced while reading,
 * and one time budget for the whole exchange. On any failure nothing is left in `directory`.
 *
 * ```ts
 * const file = await downloadToFile(body.url, store.tempDirectory, { allowPrivate: config.allowPrivateUrls });
 * await storeAndReference(context, [{ path: file.path, sha256: file.sha256 }], ([stored]) => insertRowNaming(stored.key));
 * ```
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import { fetchOutgoing, type FetchOptions } from '../outgoing/fetcher.js';
import { downloadFilename } from './download-filename.js';

/** The fetcher's limits and address policy; the response always goes to a new file in `directory`. */
export type DownloadOptions = Omit<FetchOptions, 'responseFile'>;

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

export async function downloadToFile(
  url: unknown,
  directory: string,
  options: Partial<DownloadOptions> = {},
): Promise<DownloadedFile> {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new RenderbayError('url_required', 'url is required: an http:// or https:// address of a .glb or .gltf file', 400);
  }
  const tempPath = path.join(directory, `download-${randomUUID()}.part`);
  const answer = await fetchOutgoing({ url }, { ...options, responseFile: tempPath });
  if (answer.file === null) {
    const reason = STATUS_CODES[answer.status] ?? 'unexpected status';
    throw new RenderbayError('download_failed', `Download from ${new URL(answer.finalUrl).host} failed: the server answered HTTP ${answer.status} ${reason}`, 400);
  }
  return {
    path: answer.file,
    bytes: answer.bytes,
    sha256: answer.sha256!,
    filename: downloadFilename(header(answer.headers, 'content-disposition'), new URL(answer.finalUrl)),
    contentType: header(answer.headers, 'content-type') ?? null,
    finalUrl: answer.finalUrl,
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
