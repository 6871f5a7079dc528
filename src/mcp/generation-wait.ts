/**
 * `generate_model` and `restyle_image` wait for their job up to MAX_WAIT_SECONDS (under a
 * client's usual 60 s request timeout), woken by each change of the job (or once a second),
 * and report each rise of progress — a generation's stage changes — as
 * `notifications/progress` when the request carried a progressToken.
 */
import type { ToolExtra } from './define-tool.js';
import { MAX_WAIT_SECONDS } from './render-wait.js';

export async function waitReportingProgress<Item>(
  extra: ToolExtra,
  waitSeconds: number,
  /** The item once it differs from `last` (null: at once), or as it stands after `timeoutMs`. */
  next: (last: Item | null, timeoutMs: number, signal: AbortSignal) => Promise<Item>,
  finished: (item: Item) => boolean,
  progress: (item: Item) => { percent: number; message: string },
): Promise<Item> {
  const deadline = Date.now() + Math.min(waitSeconds, MAX_WAIT_SECONDS) * 1000;
  const token = extra._meta?.progressToken;
  let last = -1;
  let item: Item | null = null;
  for (;;) {
    item = await next(item, Math.max(0, Math.min(1000, deadline - Date.now())), extra.signal);
    const { percent, message } = progress(item);
    if (token !== undefined && percent > last) {
      last = percent;
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: percent, total: 100, message } });
    }
    if (finished(item) || Date.now() >= deadline || extra.signal.aborted) return item;
  }
}
