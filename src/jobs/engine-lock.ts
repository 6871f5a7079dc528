/**
 * One render engine per data directory. Several processes may open the same data
 * directory (`renderbay serve` and the `renderbay mcp` of one or more agents): all of them
 * can create work, but only the holder of this lock renders and recovers interrupted
 * renders. The lock is a file holding the owner's pid, created atomically ('wx'); a lock
 * whose owner is no longer alive is taken over.
 */
import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'engine.lock';

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

export class EngineLock {
  private held = false;
  private readonly file: string;

  constructor(dataDirectory: string) {
    this.file = path.join(dataDirectory, LOCK_FILE);
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** Takes the lock if it is free or its owner is gone; true when this process holds it. */
  tryAcquire(): boolean {
    if (this.held) return true;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const descriptor = openSync(this.file, 'wx');
        writeSync(descriptor, String(process.pid));
        closeSync(descriptor);
        this.held = true;
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(this.file, 'utf8').trim());
      } catch {
        continue; // removed meanwhile: try again
      }
      if (owner === process.pid) {
        this.held = true;
        return true;
      }
      if (isProcessAlive(owner)) return false;
      rmSync(this.file, { force: true }); // a dead owner's lock; 'wx' decides who wins the retry
    }
    return false;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      if (Number(readFileSync(this.file, 'utf8').trim()) === process.pid) rmSync(this.file, { force: true });
    } catch {
      /* already gone */
    }
  }
}
