/**
 * Waiting for a generation or a restyle to finish without polling storms, as
 * whenRenderFinished does for renders: a change made in this process is heard at once
 * (`announceChange`, called by every status write); one made by another process sharing
 * the data directory is found by a look at the row every second. Only a timer waits.
 */
import { EventEmitter } from 'node:events';

const CROSS_PROCESS_POLL_MS = 1000;
const changes = new EventEmitter();
changes.setMaxListeners(0);

/** A generation's or restyle's row changed (called after the write has committed). */
export function announceChange(id: string): void {
  changes.emit('change', id);
}

/** `read()` once `finished` says so, or as it stands when `timeoutMs` passes or `signal` aborts; rejects if `read` throws. */
export function whenSettled<T>(id: string, read: () => T, finished: (item: T) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const stop = () => {
      settled = true;
      changes.off('change', onChange);
      clearInterval(poll);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onDeadline);
    };
    const look = (final: boolean) => {
      if (settled) return;
      try {
        const item = read();
        if (final || finished(item)) {
          stop();
          resolve(item);
        }
      } catch (error) {
        stop();
        reject(error as Error);
      }
    };
    const onChange = (changed: string) => changed === id && look(false);
    const onDeadline = () => look(true);
    changes.on('change', onChange);
    const poll = setInterval(() => look(false), CROSS_PROCESS_POLL_MS);
    const timer = setTimeout(onDeadline, Math.max(0, timeoutMs));
    signal?.addEventListener('abort', onDeadline);
    if (signal?.aborted) onDeadline();
    else look(false);
  });
}
