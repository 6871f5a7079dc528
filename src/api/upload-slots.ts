/**
 * Receiving a file for an account: bounded concurrent uploads and URL downloads per
 * account (`upload_limit`, 429), so one client cannot fill the disk or exhaust
 * connections with parallel 100 MB transfers, and the multipart body streamed into this
 * process's scratch folder.
 */
import type { IncomingMessage } from 'node:http';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { receiveUpload, type ParsedUpload } from '../http/multipart-upload.js';

const inFlight = new Map<string, number>();

export async function withUploadSlot<T>(context: AppContext, accountId: string, work: () => Promise<T>): Promise<T> {
  const current = inFlight.get(accountId) ?? 0;
  if (current >= context.config.maxConcurrentUploads) {
    throw new RenderbayError('upload_limit', `Upload limit reached: at most ${context.config.maxConcurrentUploads} uploads at once per account`, 429);
  }
  inFlight.set(accountId, current + 1);
  try {
    return await work();
  } finally {
    const left = (inFlight.get(accountId) ?? 1) - 1;
    if (left <= 0) inFlight.delete(accountId);
    else inFlight.set(accountId, left);
  }
}

/** Streams a multipart upload (field `file`) to a temp file within the account's upload slots, then hands it to `work`. */
export function receiveAccountUpload<T>(
  context: AppContext,
  accountId: string,
  request: IncomingMessage,
  limits: { maxFileBytes: number; maxFieldBytes: number; maxFields: number },
  work: (upload: ParsedUpload) => Promise<T>,
): Promise<T> {
  return withUploadSlot(context, accountId, async () =>
    work(await receiveUpload(request, { directory: context.store.tempDirectory, fileField: 'file', ...limits })),
  );
}
