/**
 * Waiting for a render to finish without holding anything but a timer: a render that
 * reaches `done` or `error` in this process is heard at once (src/webhooks/events.ts); one
 * finished by another process sharing the data directory (the engine lock may be held by
 * `renderbay mcp`) is found by a look at its row every second. No render worker waits.
 *
 * ```ts
 * const render = await whenRenderFinished(context, accountId, renderId, 30_000, abortSignal);
 * ```
 */
import type { AppContext } from '../context.js';
import { onEvent } from '../webhooks/events.js';
import { FINISHED_STATUSES, getRender, type RenderItem } from './render-service.js';

/** How often the row is read for renders finished by another process (ms). */
const CROSS_PROCESS_POLL_MS = 1000;

/** The render once finished, or as it stands when `timeoutMs` passes or `signal` aborts. */
export function whenRenderFinished(context: AppContext, accountId: string, renderId: string, timeoutMs: number, signal?: AbortSignal): Promise<RenderItem> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (render?: RenderItem) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      clearInterval(poll);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      try {
        resolve(render ?? getRender(context, accountId, renderId));
      } catch (error) {
        reject(error as Error);
      }
    };
    const check = () => {
      if (settled) return;
      try {
        const render = getRender(context, accountId, renderId);
        if (FINISHED_STATUSES.includes(render.status)) settle(render);
      } catch (error) {
        settled = true;
        unsubscribe();
        clearInterval(poll);
        clearTimeout(timer);
        reject(error as Error);
      }
    };
    const onAbort = () => settle();
    const unsubscribe = onEvent(context.db, (event) => {
      if (event?.data.id === renderId) check();
    });
    const poll = setInterval(check, CROSS_PROCESS_POLL_MS);
    const timer = setTimeout(() => settle(), timeoutMs);
    signal?.addEventListener('abort', onAbort);
    check();
  });
}
