/** Finding a server's renderer workers (to kill one mid-render) and deadline-based waiting. */
import { readdir, readFile } from 'node:fs/promises';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Renderer worker processes started by `parent` (Linux /proc). */
export async function rendererWorkers(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const [status, commandLine] = await Promise.all([readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''), readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')]);
    // The command name is in parentheses and may hold spaces: the parent pid follows the last ')'.
    const parentPid = Number(status.slice(status.lastIndexOf(')') + 2).split(' ')[1]);
    if (parentPid === parent && commandLine.includes('renderer/worker.js')) pids.push(Number(entry));
  }
  return pids;
}

/** Calls `check` every 50 ms until it returns something truthy, or throws after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
