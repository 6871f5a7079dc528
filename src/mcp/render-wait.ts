/**
 * `get_render`'s optional wait: re-reads the render every 250 ms until it finishes or the
 * wait is over, and reports progress to the client as `notifications/progress` when the
 * request carried a progressToken. Waits stay under 50 s so that a client's usual 60 s
 * request timeout never fires first.
 */
import { FINISHED_STATUSES, type RenderItem } from '../renders/render-service.js';
import type { ToolExtra } from './define-tool.js';

export const MAX_WAIT_SECONDS = 50;
export const POLL_INTERVAL_MS = 250;

export interface WaitOptions {
  waitSeconds: number;
  signal?: AbortSignal;
  onUpdate?(render: RenderItem): Promise<void> | void;
}

/** Reads the render (with `read`, which throws render_not_found like REST) until it is finished or time is up. */
export async function waitForRender(read: () => RenderItem, options: WaitOptions): Promise<RenderItem> {
  const deadline = Date.now() + Math.min(options.waitSeconds, MAX_WAIT_SECONDS) * 1000;
  for (;;) {
    const render = read();
    await options.onUpdate?.(render);
    const left = deadline - Date.now();
    if (FINISHED_STATUSES.includes(render.status) || left <= 0 || options.signal?.aborted) return render;
    await sleep(Math.min(POLL_INTERVAL_MS, left), options.signal);
  }
}

/**
 * Sends `notifications/progress` (progress = percent, total = 100, message = status and
 * stage) for the request's progressToken, only when the percent went up: MCP requires
 * progress to increase with every notification. Without a token it does nothing.
 */
export function progressReporter(extra: ToolExtra): (render: RenderItem) => Promise<void> {
  const token = extra._meta?.progressToken;
  if (token === undefined) return async () => {};
  let last = -1;
  return async (render) => {
    if (render.progress <= last) return;
    last = render.progress;
    await extra.sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, progress: render.progress, total: 100, message: describeProgress(render) },
    });
  };
}

export function describeProgress(render: Pick<RenderItem, 'status' | 'stage' | 'progress'>): string {
  return `${render.status}${render.stage && render.stage !== render.status ? ` (${render.stage})` : ''}, ${render.progress}%`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What a multi-render wait reports: how many are finished, and the combined progress. */
export interface CombinedProgress {
  done: number;
  total: number;
  /** done + the unfinished renders' percent / 100: rises with every step of any render. */
  progress: number;
  message: string;
}

export function combinedProgress(renders: Pick<RenderItem, 'status' | 'progress'>[]): CombinedProgress {
  const finished = renders.filter((render) => FINISHED_STATUSES.includes(render.status));
  const failed = finished.filter((render) => render.status !== 'done').length;
  const running = renders.filter((render) => !FINISHED_STATUSES.includes(render.status) && render.status !== 'pending').length;
  const partial = renders.filter((render) => !FINISHED_STATUSES.includes(render.status)).reduce((sum, render) => sum + render.progress / 100, 0);
  const queued = renders.length - finished.length - running;
  return {
    done: finished.length,
    total: renders.length,
    progress: Math.round((finished.length + partial) * 100) / 100,
    message: `${finished.length}/${renders.length} finished${failed ? ` (${failed} failed)` : ''}, ${running} rendering, ${queued} queued`,
  };
}

/**
 * Waits for several renders at once (one query per poll) until every one is finished or
 * time is up, and sends one combined progress stream on the request's progressToken:
 * progress = renders finished plus the fractions of the rest, total = the number of
 * renders, and a message such as "3/6 finished, 1 rendering, 2 queued".
 */
export async function waitForAll<Row extends Pick<RenderItem, 'status' | 'progress'>>(
  read: () => Row[],
  options: { waitSeconds: number; extra: ToolExtra; onChange?(rows: Row[]): Promise<void> | void },
): Promise<Row[]> {
  const { extra } = options;
  const deadline = Date.now() + Math.min(options.waitSeconds, MAX_WAIT_SECONDS) * 1000;
  const token = extra._meta?.progressToken;
  let last = -1;
  for (;;) {
    const rows = read();
    await options.onChange?.(rows);
    const combined = combinedProgress(rows);
    if (token !== undefined && combined.progress > last) {
      last = combined.progress;
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: combined.progress, total: combined.total, message: combined.message } });
    }
    const left = deadline - Date.now();
    if (combined.done === combined.total || left <= 0 || extra.signal.aborted) return rows;
    await sleep(Math.min(POLL_INTERVAL_MS, left), extra.signal);
  }
}
