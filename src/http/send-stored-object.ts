/**
 * Serves an asset from a render farm's object store when this control plane holds no copy
 * of it (another control plane published it, or its data directory was replaced): the same
 * answer as sendFile — Range, strong ETag, immutable — with the bytes streamed from the
 * store (a ranged GET for a Range request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../storage/object-store.js';
import { sendRepresentation, type SendFileOptions } from './send-file.js';

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
