import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { fetch } from 'undici';
import * as yauzl from 'yauzl';
import { RenderbayError } from '../src/errors.js';
import { sanitizeEntryName, sendZip, type ZipEntry } from '../src/http/zip-stream.js';
import { waitForFileClosed } from './helpers/files.js';

interface ZipContent {
  data: Buffer;
  compressionMethod: number;
}

async function readZip(archive: Buffer): Promise<Map<string, ZipContent>> {
  const zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true, strictFileNames: true });
  const entries = new Map<string, ZipContent>();
  for await (const entry of zip.eachEntry()) {
    const data = await readAll(await zip.openReadStreamPromise(entry));
    entries.set(entry.fileName, { data, compressionMethod: entry.compressionMethod });
  }
  return entries;
}

describe('sendZip', () => {
  let directory: string;
  let baseUrl: string;
  let server: http.Server;
  let entries: ZipEntry[] = [];
  const outcomes: string[] = [];
  const files = {
    video: randomBytes(3 * 1024 * 1024),
    poster: randomBytes(200 * 1024),
    poses: Buffer.from(JSON.stringify(Array.from({ length: 500 }, (_, index) => ({ view: index, yaw: index * 0.72 })))),
    note: Buffer.from('hello from a hostile name\n'),
    big: randomBytes(48 * 1024 * 1024),
  };
  const filePath = (name: keyof typeof files): string => path.join(directory, name);

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-zip-'));
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(directory, name), data);
    server = http.createServer((_request, response) => {
      sendZip(response, entries, 'render-abc123.zip').then(
        () => outcomes.push('ok'),
        (error: Error) => {
          outcomes.push(String(error));
          if (response.headersSent) return;
          const status = error instanceof RenderbayError ? error.status : 500;
          const code = error instanceof RenderbayError ? error.code : 'internal';
          response.writeHead(status, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ error: { code, message: error.message, status } }));
        },
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

  test('streams a zip whose entries are byte-identical to the files, with safe names', async () => {
    entries = [
      { name: 'video.mp4', path: filePath('video') },
      { name: 'poster.png', path: filePath('poster') },
      { name: 'dataset/poses.json', path: filePath('poses') },
      { name: '../../etc/evil.txt', path: filePath('note') },
      { name: '/abs/poster.png', path: filePath('poster') },
      { name: 'POSTER.png', path: filePath('poster') },
      { name: '..', path: filePath('note') },
    ];
    const response = await fetch(baseUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="render-abc123.zip"');
    assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    assert.equal(response.headers.get('content-length'), null);
    const archive = await readZip(Buffer.from(await response.arrayBuffer()));

    assert.deepEqual(
      [...archive.keys()],
      ['video.mp4', 'poster.png', 'dataset/poses.json', 'etc/evil.txt', 'abs/poster.png', 'POSTER-2.png', 'file-7'],
    );
    assert.ok(archive.get('video.mp4')!.data.equals(files.video));
    assert.ok(archive.get('poster.png')!.data.equals(files.poster));
    assert.ok(archive.get('dataset/poses.json')!.data.equals(files.poses));
    assert.ok(archive.get('etc/evil.txt')!.data.equals(files.note));
    assert.ok(archive.get('abs/poster.png')!.data.equals(files.poster));
    assert.ok(archive.get('POSTER-2.png')!.data.equals(files.poster));
    assert.ok(archive.get('file-7')!.data.equals(files.note));
    // Media is stored as is; text is deflated.
    assert.equal(archive.get('video.mp4')!.compressionMethod, 0);
    assert.equal(archive.get('poster.png')!.compressionMethod, 0);
    assert.equal(archive.get('dataset/poses.json')!.compressionMethod, 8);
    assert.equal(outcomes.at(-1), 'ok');
  });

  test('an empty entry list is a valid empty zip', async () => {
    entries = [];
    const response = await fetch(baseUrl);
    assert.equal(response.status, 200);
    assert.equal((await readZip(Buffer.from(await response.arrayBuffer()))).size, 0);
  });

  test('a missing file → file_not_found before any zip byte is sent', async () => {
    entries = [
      { name: 'video.mp4', path: filePath('video') },
      { name: 'gone.png', path: path.join(directory, 'gone.png') },
    ];
    const response = await fetch(baseUrl);
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as any).error.code, 'file_not_found');
  });

  test('a client that disconnects mid-download stops the stream and closes the file', async () => {
    entries = [{ name: 'big.mov', path: filePath('big') }];
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
    const deadline = Date.now() + 3000;
    while (outcomes.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(outcomes.slice(before), ['ok']);
    await waitForFileClosed(filePath('big'));

    entries = [{ name: 'poster.png', path: filePath('poster') }];
    const response = await fetch(baseUrl);
    const archive = await readZip(Buffer.from(await response.arrayBuffer()));
    assert.ok(archive.get('poster.png')!.data.equals(files.poster));
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
