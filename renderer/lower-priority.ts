/**
 * Rendering yields the CPU to everything else: the worker lowers the priority of all its
 * threads at start-up, and threads it creates later (llvmpipe's rasterisers) and
 * processes it spawns (ffmpeg) inherit it. An API server on the same cores then answers
 * promptly while a render runs, and a render still uses every idle cycle.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';

export const RENDER_NICENESS = 10;

export function lowerOwnPriority(niceness: number = RENDER_NICENESS): void {
  let threads: string[] = [String(process.pid)];
  try {
    threads = readdirSync('/proc/self/task'); // Linux: priority is per thread
  } catch {
    /* not Linux: the process id alone */
  }
  for (const thread of threads) {
    try {
      os.setPriority(Number(thread), niceness);
    } catch {
      /* a thread that just ended, or not permitted: rendering still works */
    }
  }
}
