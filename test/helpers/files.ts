/** File-system checks for tests. */
import assert from 'node:assert/strict';
import { readdir, readlink } from 'node:fs/promises';
import yauzl from 'yauzl';

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

/** The entries of a zip held in memory: name → uncompressed size. */
export function zipEntries(bytes: Buffer): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const entries = new Map<string, number>();
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry.uncompressedSize);
        zip.readEntry();
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
