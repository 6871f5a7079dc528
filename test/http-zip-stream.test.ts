/**
 * The deterministic bundle zip (src/http/zip-stream.ts) served through sendRepresentation
 * on a real HTTP server: identical bytes on every request, entries that unzip and yauzl
 * read with correct CRCs, exact Content-Length, Range slices equal to the same slice of
 * the whole body (also from the middle of a large entry, without touching the files before
 * it), ETag revalidation, and ZIP64 for an entry past 4 GiB (a sparse file).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import * as yauzl from 'yauzl';
import { sendRepresentation } from '../src/http/send-file.js';
import { layoutZip, sanitizeEntryName, zipRangeStream, type ZipEntry, type ZipLayout } from '../src/http/zip-stream.js';
import { crc32OfFile } from '../src/storage/file-store.js';
import { waitForFileClosed } from './helpers/files.js';

const run = promisify(execFile);
const ETAG = '"bundle-test-etag"';

interface ZipContent {
  data: Buffer;
  crc32: number;
  compressionMethod: number;
}

async function readZip(zip: yauzl.ZipFile): Promise<Map<string, ZipContent>> {
  const entries = new Map<string, ZipContent>();
  for await (const entry of zip.eachEntry()) {
    const data = await readAll(await zip.openReadStreamPromise(entry));
    entries.set(entry.fileName, { data, crc32: entry.crc32, compressionMethod: entry.compressionMethod });
  }
  return entries;
}

async function entryOf(name: string, filePath: string): Promise<ZipEntry> {
  return { name, path: filePath, size: (await stat(filePath)).size, crc32: await crc32OfFile(filePath) };
}

describe('deterministic zip over HTTP', () => {
  let directory: string;
  let baseUrl: string;
  let server: http.Server;
  let layout: ZipLayout = layoutZip([]);
  const outcomes: string[] = [];
  const files = {
    video: randomBytes(3 * 1024 * 1024),
    poster: randomBytes(200 * 1024),
    note: Buffer.from('hello from a hostile name\n'),
    big: randomBytes(24 * 1024 * 1024),
  };
  const filePath = (name: keyof typeof files): string => path.join(directory, name);

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-zip-'));
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(directory, name), data);
    server = http.createServer((request, response) => {
      const current = layout;
      sendRepresentation(request, response, {
        contentType: 'application/zip',
        etag: ETAG,
        immutable: true,
        downloadName: 'render-abc123.zip',
        size: current.size,
        lastModified: new Date('2026-01-02T03:04:05Z'),
        body: (start, end) => zipRangeStream(current, start, end),
      }).then(
        () => outcomes.push('ok'),
        (error: Error) => outcomes.push(String(error)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundle`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  async function get(headers: Record<string, string> = {}) {
    const response = await fetch(baseUrl, { headers });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  test('the same files give the same bytes on every request; every entry unzips with its CRC', async () => {
    // Names that need cleaning, and two that clash once cleaned.
    const entries = async () =>
      Promise.all([
        entryOf('video.mp4', filePath('video')),
        entryOf('poster.png', filePath('poster')),
        entryOf('../../etc/evil.txt', filePath('note')),
        entryOf('POSTER.png', filePath('poster')),
        entryOf('..', filePath('note')),
      ]);
    layout = layoutZip(await entries());
    const first = await get();
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), 'application/zip');
    assert.equal(first.headers.get('content-disposition'), 'attachment; filename="render-abc123.zip"');
    assert.equal(first.headers.get('content-length'), String(first.bytes.length));
    assert.equal(first.bytes.length, layout.size);
    assert.equal(first.headers.get('etag'), ETAG);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(first.headers.get('accept-ranges'), 'bytes');

    // Laid out again from scratch (a second request to a restarted server): the same bytes.
    layout = layoutZip(await entries());
    const second = await get();
    assert.ok(second.bytes.equals(first.bytes), 'byte-identical across requests');

    const archive = await readZip(await yauzl.fromBufferPromise(first.bytes, { lazyEntries: true, strictFileNames: true }));
    assert.deepEqual([...archive.keys()], ['video.mp4', 'poster.png', 'etc/evil.txt', 'POSTER-2.png', 'file-5']);
    const expected = { 'video.mp4': files.video, 'poster.png': files.poster, 'etc/evil.txt': files.note, 'POSTER-2.png': files.poster, 'file-5': files.note };
    for (const [name, content] of archive) {
      assert.ok(content.data.equals(expected[name as keyof typeof expected]), `${name} holds the file's bytes`);
      assert.equal(content.crc32, crc32(content.data), `${name}'s CRC-32 matches its bytes`);
      assert.equal(content.compressionMethod, 0, 'stored');
    }

    const zipFile = path.join(directory, 'bundle.zip');
    await writeFile(zipFile, first.bytes);
    const { stdout } = await run('unzip', ['-t', zipFile]);
    assert.match(stdout, /No errors detected/);
  });

  test('Range slices equal the same slice of the whole body; ETag revalidation and If-Range', async () => {
    layout = layoutZip([await entryOf('video.mp4', filePath('video')), await entryOf('poster.png', filePath('poster'))]);
    const whole = await get();
    const size = whole.bytes.length;
    // Across the end of video.mp4's data, the poster's local header and into its data.
    const videoData = layout.parts.find((part) => 'path' in part && part.path === filePath('video'))!;
    const boundary = videoData.offset + videoData.length;
    const ranges: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      [`bytes=${boundary - 10}-${boundary + 100}`, boundary - 10, boundary + 100],
      ['bytes=-1000', size - 1000, size - 1],
      [`bytes=${size - 5}-`, size - 5, size - 1],
    ];
    for (const [header, start, end] of ranges) {
      const part = await get({ range: header });
      assert.equal(part.status, 206, header);
      assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
      assert.equal(part.headers.get('content-length'), String(end - start + 1));
      assert.ok(part.bytes.equals(whole.bytes.subarray(start, end + 1)), `${header} is the same slice`);
    }
    assert.equal((await get({ range: `bytes=${size}-` })).status, 416);

    assert.equal((await get({ 'if-none-match': ETAG })).status, 304);
    assert.equal((await get({ range: 'bytes=10-19', 'if-range': ETAG })).status, 206);
    const changed = await get({ range: 'bytes=10-19', 'if-range': '"another"' });
    assert.equal(changed.status, 200, 'If-Range with another ETag: the whole zip');
    assert.ok(changed.bytes.equals(whole.bytes));
  });

  test('a resume from the middle of a large entry never reads the files before it', async () => {
    const before = path.join(directory, 'before.bin');
    await writeFile(before, files.video);
    layout = layoutZip([await entryOf('video.mp4', before), await entryOf('master.mov', filePath('big'))]);
    const whole = await get();
    const bigData = layout.parts.find((part) => 'path' in part && part.path === filePath('big'))!;
    const resumeAt = bigData.offset + Math.floor(bigData.length / 2);
    // The file before the resume point is gone: the range can only come from the headers and master.mov.
    await rm(before);
    const resumed = await get({ range: `bytes=${resumeAt}-` });
    assert.equal(resumed.status, 206);
    assert.ok(resumed.bytes.equals(whole.bytes.subarray(resumeAt)), 'the rest of the zip, byte for byte');
    assert.equal(outcomes.at(-1), 'ok');
  });

  test('a client that disconnects mid-download stops the stream and closes the file', async () => {
    layout = layoutZip([await entryOf('big.mov', filePath('big'))]);
    const before = outcomes.length;
    await new Promise<void>((resolve, reject) => {
      const request = http.get(baseUrl, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    });
    const deadline = Date.now() + 5000;
    while (outcomes.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(outcomes.slice(before), ['ok']);
    await waitForFileClosed(filePath('big'));
  });

  test('an entry past 4 GiB gets ZIP64 fields and records, read back by yauzl without reading the big file', async () => {
    // A sparse file: 4 GiB + 1 MiB of size, no disk, and never read here.
    const huge = path.join(directory, 'huge.mov');
    await writeFile(huge, '');
    await truncate(huge, 2 ** 32 + 2 ** 20);
    const small = await entryOf('poster.png', filePath('poster'));
    const hugeLayout = layoutZip([{ name: 'video.mov', path: huge, size: 2 ** 32 + 2 ** 20, crc32: 0x12345678 }, small]);
    const ranges: [number, number][] = [];
    class LayoutReader extends yauzl.RandomAccessReader {
      override _readStreamForRange(start: number, end: number): Readable {
        ranges.push([start, end]);
        return zipRangeStream(hugeLayout, start, end - 1);
      }
    }
    const zip = await yauzl.fromRandomAccessReaderPromise(new LayoutReader(), hugeLayout.size, { lazyEntries: true, autoClose: false });
    const entries: yauzl.Entry[] = [];
    for await (const entry of zip.eachEntry()) entries.push(entry);
    assert.deepEqual(
      entries.map((entry) => [entry.fileName, entry.uncompressedSize, entry.crc32]),
      [
        ['video.mov', 2 ** 32 + 2 ** 20, 0x12345678],
        ['poster.png', files.poster.length, small.crc32],
      ],
    );
    assert.ok(entries[1]!.relativeOffsetOfLocalHeader > 2 ** 32, 'the second entry starts past 4 GiB (ZIP64 offset)');
    // Reading the small entry checks its local header at the ZIP64 offset.
    const poster = await readAll(await zip.openReadStreamPromise(entries[1]!));
    assert.ok(poster.equals(files.poster));
    zip.close();
    assert.ok(ranges.length > 0 && ranges.every(([start]) => start >= 2 ** 32), `only the directory and the small entry were read: ${JSON.stringify(ranges)}`);
  });
});

describe('sanitizeEntryName', () => {
  test('keeps only real relative name segments', () => {
    assert.equal(sanitizeEntryName('renders/video.mp4', 'x'), 'renders/video.mp4');
    assert.equal(sanitizeEntryName('../../../etc/passwd', 'x'), 'etc/passwd');
    assert.equal(sanitizeEntryName('/root/./a.png', 'x'), 'root/a.png');
    assert.equal(sanitizeEntryName('C:\\Windows\\..\\a.png', 'x'), 'C_/Windows/a.png');
    assert.equal(sanitizeEntryName('a\u0000b\nc.txt', 'x'), 'a_b_c.txt');
    assert.equal(sanitizeEntryName('../..', 'fallback.bin'), 'fallback.bin');
  });
});
