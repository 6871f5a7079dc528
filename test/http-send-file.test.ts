import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetch } from 'undici';
import { RenderbayError } from '../src/errors.js';
import { parseRange, sendFile } from '../src/http/send-file.js';
import { waitForFileClosed } from './helpers/files.js';

const ETAG = 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c';

describe('sendFile', () => {
  let directory: string;
  let baseUrl: string;
  let server: http.Server;
  const content = randomBytes(1000);
  const bigContent = randomBytes(16 * 1024 * 1024);
  /** How each sendFile call ended: 'ok' or the error's text. */
  const outcomes: string[] = [];

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-send-'));
    await writeFile(path.join(directory, 'asset.bin'), content);
    await writeFile(path.join(directory, 'big.bin'), bigContent);
    await writeFile(path.join(directory, 'empty.bin'), Buffer.alloc(0));
    server = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const file = url.searchParams.get('file') ?? 'asset.bin';
      sendFile(request, response, path.join(directory, file), {
        contentType: 'application/octet-stream',
        etag: ETAG,
        immutable: url.pathname !== '/mutable',
        downloadName: url.searchParams.get('name') ?? undefined,
      }).then(
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
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  async function get(pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET') {
    const response = await fetch(`${baseUrl}${pathAndQuery}`, { method, headers });
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  }

  test('a full GET: 200, exact bytes, CDN headers', async () => {
    const { response, body } = await get('/asset');
    assert.equal(response.status, 200);
    assert.ok(body.equals(content));
    assert.equal(response.headers.get('content-length'), '1000');
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    assert.equal(response.headers.get('accept-ranges'), 'bytes');
    assert.equal(response.headers.get('etag'), `"${ETAG}"`);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.ok(response.headers.get('last-modified'));
    assert.equal(response.headers.get('content-disposition'), null);
  });

  test('a mutable file is revalidated: Cache-Control no-cache, no immutable', async () => {
    const { response } = await get('/mutable');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
  });

  test('HEAD: the GET headers and no body', async () => {
    const { response, body } = await get('/asset', {}, 'HEAD');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), '1000');
    assert.equal(response.headers.get('etag'), `"${ETAG}"`);
    assert.equal(body.length, 0);
  });

  test('bytes=0-99 → 206 with the first 100 bytes', async () => {
    const { response, body } = await get('/asset', { range: 'bytes=0-99' });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 0-99/1000');
    assert.equal(response.headers.get('content-length'), '100');
    assert.ok(body.equals(content.subarray(0, 100)));
  });

  test('a suffix range bytes=-100 → the last 100 bytes', async () => {
    const { response, body } = await get('/asset', { range: 'bytes=-100' });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 900-999/1000');
    assert.ok(body.equals(content.subarray(900)));
  });

  test('an open-ended range bytes=990- → the tail from 990', async () => {
    const { response, body } = await get('/asset', { range: 'bytes=990-' });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 990-999/1000');
    assert.ok(body.equals(content.subarray(990)));
  });

  test('an end past the file is clamped', async () => {
    const { response, body } = await get('/asset', { range: 'bytes=500-5000' });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 500-999/1000');
    assert.ok(body.equals(content.subarray(500)));
  });

  test('a range starting past the end → 416 with Content-Range bytes */size', async () => {
    const { response, body } = await get('/asset', { range: 'bytes=1000-1100' });
    assert.equal(response.status, 416);
    assert.equal(response.headers.get('content-range'), 'bytes */1000');
    assert.equal(JSON.parse(body.toString()).error.code, 'range_not_satisfiable');
  });

  test('several ranges → the whole file with 200', async () => {
    const { response, body } = await get('/asset', { range: 'bytes=0-9, 20-29' });
    assert.equal(response.status, 200);
    assert.ok(body.equals(content));
  });

  test('If-None-Match with the ETag → 304 without a body; another tag → 200', async () => {
    const notModified = await get('/asset', { 'if-none-match': `"other", "${ETAG}"` });
    assert.equal(notModified.response.status, 304);
    assert.equal(notModified.body.length, 0);
    assert.equal(notModified.response.headers.get('etag'), `"${ETAG}"`);
    assert.equal(notModified.response.headers.get('cache-control'), 'public, max-age=31536000, immutable');

    const changed = await get('/asset', { 'if-none-match': '"other"' });
    assert.equal(changed.response.status, 200);
    assert.ok(changed.body.equals(content));
  });

  test('If-Range: the current ETag keeps the range, a stale one gets the whole file', async () => {
    const current = await get('/asset', { range: 'bytes=0-9', 'if-range': `"${ETAG}"` });
    assert.equal(current.response.status, 206);
    assert.ok(current.body.equals(content.subarray(0, 10)));

    const stale = await get('/asset', { range: 'bytes=0-9', 'if-range': '"stale"' });
    assert.equal(stale.response.status, 200);
    assert.ok(stale.body.equals(content));
  });

  test('downloadName sets an attachment Content-Disposition with a safe name', async () => {
    const { response } = await get(`/asset?name=${encodeURIComponent('Sneaker "v2"/render.mp4')}`);
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="Sneaker _v2__render.mp4"');
    const accented = await get(`/asset?name=${encodeURIComponent('Café.glb')}`);
    assert.equal(accented.response.headers.get('content-disposition'), `attachment; filename="Caf_.glb"; filename*=UTF-8''Caf%C3%A9.glb`);
  });

  test('an empty file: 200 with no bytes; any range is unsatisfiable', async () => {
    const full = await get('/asset?file=empty.bin');
    assert.equal(full.response.status, 200);
    assert.equal(full.response.headers.get('content-length'), '0');
    const ranged = await get('/asset?file=empty.bin', { range: 'bytes=0-' });
    assert.equal(ranged.response.status, 416);
    assert.equal(ranged.response.headers.get('content-range'), 'bytes */0');
  });

  test('a missing file → file_not_found before any header is sent', async () => {
    const { response, body } = await get('/asset?file=missing.bin');
    assert.equal(response.status, 404);
    assert.equal(JSON.parse(body.toString()).error.code, 'file_not_found');
  });

  test('a client that disconnects mid-body is not an error, and the server keeps serving', async () => {
    const before = outcomes.length;
    await new Promise<void>((resolve, reject) => {
      const request = http.get(`${baseUrl}/asset?file=big.bin`, (response) => {
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
    await waitForFileClosed(path.join(directory, 'big.bin'));
    const { response, body } = await get('/asset', { range: 'bytes=10-19' });
    assert.equal(response.status, 206);
    assert.ok(body.equals(content.subarray(10, 20)));
  });
});

describe('parseRange', () => {
  test('single ranges, clamping, and what is ignored or unsatisfiable', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=-2000', 1000), { start: 0, end: 999 });
    assert.deepEqual(parseRange('BYTES = 5-', 1000), { start: 5, end: 999 });
    assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=9-1', 1000), null);
    assert.equal(parseRange('bytes=-', 1000), null);
    assert.equal(parseRange('items=0-1', 1000), null);
    assert.equal(parseRange('bytes=0-1,5-6', 1000), null);
    assert.equal(parseRange('bytes=abc', 1000), null);
  });
});
