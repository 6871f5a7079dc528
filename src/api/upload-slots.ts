/**
 * Bounds concurrent uploads and URL downloads per account (`upload_limit`, 429), so one
 * client cannot fill the disk or exhaust connections with parallel 100 MB transfers.
 */
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';

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
