/**
 * Assets a render farm's object store holds, answered without the control plane's copy:
 * - streamed from the store when this control plane holds no copy of the file (another
 *   control plane published it, or its data directory was replaced): the same answer as
 *   sendFile — Range, strong ETag, immutable — with the bytes from a (ranged) GET;
 * - with `serve --store-presign-seconds`, a 302 to a presigned URL of the store, so that
 *   the bytes never pass through the control plane. The client follows it with its own
 *   headers (Range included) and the store answers 200/206 itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { LIMITS } from '../limits.js';
import type { FileStore } from '../storage/file-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { isNotModified, sendRepresentation, type SendFileOptions } from './send-file.js';

export async function sendStoredObject(
  request: IncomingMessage,
  response: ServerResponse,
  store: ObjectStore,
  object: { key: string; size: number; lastModified: Date },
  options: SendFileOptions,
): Promise<void> {
  await sendRepresentation(request, response, {
    ...options,
    size: object.size,
    lastModified: object.lastModified,
    body: (start, end) => {
      const body = new PassThrough();
      store.read(object.key, { start, end }).then(
        (stream) => stream.on('error', (error) => body.destroy(error)).pipe(body),
        (error: Error) => body.destroy(error),
      );
      return body;
    },
  });
}

/**
 * Answers 302 to a presigned URL of the object when presigning is configured and the store
 * holds the object; returns false (the caller serves the file itself) otherwise, and for a
 * revalidation this server answers with a 304 without a round trip. The URL lives
 * `presignSeconds`, no longer than a signed share URL it was opened with (`signedUntil`,
 * unix seconds); the redirect is cached privately for at most half of that, so that a
 * cached redirect never points at an expired URL.
 */
export async function redirectToStoredObject(
  request: IncomingMessage,
  response: ServerResponse,
  store: FileStore,
  object: { key: string; lastModified: Date; contentType: string },
  signedUntil?: number,
): Promise<boolean> {
  const { remote, presignSeconds } = store;
  if (!remote?.presignedUrl || presignSeconds === null) return false;
  if (isNotModified(request, `"${object.key}"`, object.lastModified)) return false;
  const seconds = Math.min(presignSeconds, signedUntil === undefined ? Infinity : Math.floor(signedUntil - Date.now() / 1000));
  if (seconds < 1) return false;
  // Unreachable store or an object not (yet) there: the control plane's own copy, or a stream, answers.
  if (!(await store.inRemote(object.key).catch(() => false))) return false;
  const location = await remote.presignedUrl(object.key, seconds, object.contentType);
  response.writeHead(302, {
    Location: location,
    'Cache-Control': `private, max-age=${Math.min(LIMITS.storeRedirectMaxAgeSeconds, Math.floor(seconds / 2))}`,
    'Content-Length': '0',
  });
  response.end();
  return true;
}
