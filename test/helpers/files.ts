/** File-system checks for tests. */
import assert from 'node:assert/strict';
import { readdir, readlink } from 'node:fs/promises';

/** Linux only: waits until no descriptor of this process points at `filePath`. */
export async function waitForFileClosed(filePath: string): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const descriptors = await readdir('/proc/self/fd').catch(() => null);
    if (!descriptors) return;
    const targets = await Promise.all(descriptors.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    if (!targets.includes(filePath)) return;
    if (Date.now() > deadline) assert.fail(`${filePath} is still open`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
