/**
 * A zip archive written as it is produced (yazl): every entry goes to disk shortly after
 * it is added, so a dataset of any size needs memory for a few views only.
 *
 * Entries are stored, not deflated: PNGs are already compressed, and deflating the JSON
 * and PLY would save well under 1% of an archive. Stored entries also keep the
 * accounting exact: `add` resolves once the bytes not yet on disk are below
 * `maxBufferedBytes`, which is the caller's backpressure. yazl switches to ZIP64 by
 * itself past 4 GiB or 65,535 entries.
 *
 * yazl keeps every entry until the archive ends (for the central directory), and with
 * it the closure that writes the entry's data — which holds the whole added buffer. A
 * 400-view 2048² dataset would keep its 1.2 GB of PNGs in memory that way, so once an
 * entry's data is written the sink drops that closure (yazl 3.3.1's Entry fields,
 * `state` and `doFileDataPump`; without them it still works, only without the release).
 *
 * Usage:
 * ```ts
 * const zip = new ZipSink('/tmp/dataset.zip');
 * await zip.add('README.txt', Buffer.from('hello'));
 * const bytes = await zip.finish();
 * ```
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import yazl from 'yazl';
import { RenderbayError } from '../../src/errors.js';

const NAME = 'zip-sink';

export interface ZipSinkOptions {
  /** `add` waits while more than this many added bytes are not yet written to disk. */
  maxBufferedBytes: number;
  /** Modification time of every entry (fixed, so identical content gives an identical zip). */
  mtime: Date;
}

export const DEFAULTS: ZipSinkOptions = { maxBufferedBytes: 64 * 1024 * 1024, mtime: new Date(Date.UTC(2024, 0, 1)) };

/** The parts of yazl's (private) Entry that hold on to an entry's data. */
interface YazlEntryInternals {
  state: number;
  doFileDataPump: (() => void) | null;
}
/** yazl's Entry.FILE_DATA_DONE: the entry's data has been written to the output stream. */
const YAZL_FILE_DATA_DONE = 3;

export class ZipSink {
  private readonly zip = new yazl.ZipFile();
  private readonly file: WriteStream;
  private readonly options: ZipSinkOptions;
  private readonly closed: Promise<void>;
  private failure: Error | null = null;
  private addedBytes = 0;
  private entries = 0;
  /** Entries whose data yazl has written and whose buffers the sink has let go of. */
  private released = 0;

  constructor(
    readonly path: string,
    options: Partial<ZipSinkOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.file = createWriteStream(path);
    this.closed = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        this.failure ??= new RenderbayError('write_failed', `${NAME}: could not write ${path}: ${error.message}`, 500);
        reject(this.failure);
      };
      this.file.on('close', () => (this.failure ? reject(this.failure) : resolve()));
      this.file.on('error', fail);
      this.zip.on('error', fail);
    });
    this.closed.catch(() => {}); // surfaced by add() and finish()
    this.zip.outputStream.pipe(this.file);
  }

  /** Number of entries added so far. */
  get entryCount(): number {
    return this.entries;
  }

  /** Adds one file; resolves when the archive has room for more. */
  async add(name: string, data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.zip.addBuffer(data, name, { compress: false, mtime: this.options.mtime });
    this.addedBytes += data.length;
    this.entries++;
    this.releaseWrittenEntries();
    // Every added byte reaches the file (plus headers), so this always drains.
    while (this.addedBytes - this.file.bytesWritten > this.options.maxBufferedBytes) {
      if (this.failure) throw this.failure;
      await delay(5);
      this.releaseWrittenEntries();
    }
  }

  /** Writes the central directory, closes the file and returns the archive's size in bytes. */
  async finish(): Promise<number> {
    if (this.failure) throw this.failure;
    this.zip.end();
    await this.closed;
    return this.file.bytesWritten;
  }

  /** Lets go of the data of every entry yazl has written (the output streams hold what is still in flight). */
  private releaseWrittenEntries(): void {
    const entries = (this.zip as unknown as { entries?: YazlEntryInternals[] }).entries;
    if (!Array.isArray(entries)) return;
    while (this.released < entries.length) {
      const entry = entries[this.released];
      if (!(entry.state >= YAZL_FILE_DATA_DONE) || !('doFileDataPump' in entry)) return;
      entry.doFileDataPump = null;
      this.released++;
    }
  }

  /** Stops writing (the caller removes the partial file). */
  abort(): void {
    this.failure ??= new RenderbayError('write_failed', `${NAME}: aborted`, 500);
    this.zip.outputStream.unpipe(this.file);
    this.file.destroy();
  }
}
