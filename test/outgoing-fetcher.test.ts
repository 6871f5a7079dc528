/**
 * The outgoing fetcher against the server behaviours that matter for robustness: HTTP/1.0
 * close-delimited bodies (the case that made undici assert and end the process), chunked
 * and keep-alive answers, slow and endless bodies, and its own thread failing. Every server
 * loop is bounded (bytes, ticks or the test's end) so the file always finishes.
 * URL checks, the SSRF guard and redirects are covered through downloadToFile in url-download.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RenderbayError } from '../src/errors.js';
import { fetchOutgoing, type FetchOptions, type OutgoingRequest } from '../src/outgoing/fetcher.js';

const KiB = 1024;
const LARGE = randomBytes(4 * 1024 * KiB);
const SMALL = randomBytes(3 * KiB);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let directory: string;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

/** A raw TCP server that answers each request head with `answer` (no HTTP library on the server side). */
async function rawServer(answer: (socket: net.Socket, head: string) => void): Promise<string> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      answer(socket, head);
    };
    socket.on('data', onData);
  });
  return listen(server);
}

async function httpServer(handle: http.RequestListener): Promise<string> {
  const server = http.createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return listen(server);
}

async function listen(server: net.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function toFile(options: Partial<FetchOptions> = {}): Partial<FetchOptions> {
  return { allowPrivate: true, timeoutMs: 20_000, responseFile: path.join(directory, `response-${randomBytes(4).toString('hex')}`), ...options };
}

async function fetchError(request: OutgoingRequest, options: Partial<FetchOptions>): Promise<RenderbayError> {
  try {
    const answer = await fetchOutgoing(request, options);
    assert.fail(`expected ${request.url} to fail, got HTTP ${answer.status}`);
  } catch (error) {
    if (!(error instanceof RenderbayError)) throw error;
    return error;
  }
}

async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await readdir(directory), []);
}

/** Fetches `url` into a file, checks the bytes are `expected`, and deletes the file. */
async function assertFetches(url: string, expected: Buffer, options: Partial<FetchOptions> = {}): Promise<void> {
  const answer = await fetchOutgoing({ url }, toFile(options));
  assert.equal(answer.status, 200);
  assert.ok(answer.file);
  assert.equal(answer.bytes, expected.length);
  assert.equal(answer.sha256, sha256(expected));
  assert.equal(sha256(await readFile(answer.file)), sha256(expected));
  await rm(answer.file);
}

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-fetcher-'));
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(directory, { recursive: true, force: true });
});

describe('fetchOutgoing: servers that close, chunk, keep alive or drip', () => {
  test('HTTP/1.0 with Connection: close, large and small, with and without Content-Length, 8 in a row', async () => {
    // The origin writes the whole body at once and closes: the case where undici's paused parser asserted.
    const url = await rawServer((socket, head) => {
      const body = head.startsWith('GET /large') ? LARGE : SMALL;
      const length = head.includes('/sized') ? `Content-Length: ${body.length}\r\n` : '';
      socket.end(Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Type: model/gltf-binary\r\n${length}Connection: close\r\n\r\n`), body]));
    });
    for (let round = 0; round < 2; round++) {
      await assertFetches(`${url}/large/sized`, LARGE);
      await assertFetches(`${url}/small/sized`, SMALL);
      await assertFetches(`${url}/large`, LARGE);
      await assertFetches(`${url}/small`, SMALL);
    }
    await assertNothingLeft();
  });

  test('a chunked response', async () => {
    const url = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'model/gltf-binary' }); // no Content-Length: chunked
      for (let offset = 0; offset < LARGE.length; offset += 100 * KiB) response.write(LARGE.subarray(offset, offset + 100 * KiB));
      response.end();
    });
    const answer = await fetchOutgoing({ url: `${url}/chunked` }, toFile());
    assert.equal(answer.headers['transfer-encoding'], 'chunked');
    assert.equal(answer.sha256, sha256(LARGE));
    await rm(answer.file!);
  });

  test('a keep-alive response completes on its Content-Length, without waiting for the server to close', async () => {
    const url = await rawServer((socket) => {
      socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${LARGE.length}\r\nConnection: keep-alive\r\n\r\n`), LARGE]));
      // …and the socket stays open until the test ends.
    });
    const started = Date.now();
    await assertFetches(`${url}/kept-alive`, LARGE, { timeoutMs: 15_000 });
    assert.ok(Date.now() - started < 10_000, 'finished at the end of the body, not at the deadline');
  });

  test('a slow server that finishes within the budget', async () => {
    const url = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-length': 20 * SMALL.length });
      let ticks = 0;
      const drip = setInterval(() => {
        response.write(SMALL);
        if (++ticks === 20) {
          clearInterval(drip);
          response.end();
        }
      }, 15);
    });
    await assertFetches(`${url}/slow`, Buffer.concat(Array.from({ length: 20 }, () => SMALL)));
  });

  test('a body that ends before its Content-Length → download_failed, nothing left', async () => {
    const url = await rawServer((socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'), SMALL])));
    const error = await fetchError({ url: `${url}/short` }, toFile());
    assert.equal(error.code, 'download_failed');
    assert.match(error.message, /before the body was complete|connection/);
    await assertNothingLeft();
  });
});

describe('fetchOutgoing: limits', () => {
  test('an endless fast body → file_too_large at the limit, nothing left', async () => {
    const url = await rawServer((socket) => {
      socket.write('HTTP/1.0 200 OK\r\n\r\n');
      const pump = () => {
        while (!socket.destroyed && socket.write(SMALL));
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    const error = await fetchError({ url: `${url}/endless` }, toFile({ maxBytes: 1024 * KiB }));
    assert.equal(error.code, 'file_too_large');
    assert.equal(error.status, 400);
    assert.match(error.message, /1 MB limit \(the body went past it\)/);
    await assertNothingLeft();
  });

  test('an endless slow body → timeout at the budget, nothing left', async () => {
    const url = await httpServer((_request, response) => {
      response.writeHead(200);
      const drip = setInterval(() => (response.destroyed ? clearInterval(drip) : response.write('x')), 20);
    });
    const started = Date.now();
    const error = await fetchError({ url: `${url}/drip` }, toFile({ timeoutMs: 600 }));
    assert.equal(error.code, 'timeout');
    assert.equal(error.status, 408);
    assert.match(error.message, /did not answer completely within 0\.6 s/);
    assert.ok(Date.now() - started < 5000, 'stopped at the budget');
    await assertNothingLeft();
  });

  test('a buffered response is bounded by maxBytes too', async () => {
    const url = await httpServer((_request, response) => response.end(LARGE));
    const error = await fetchError({ url: `${url}/large` }, { allowPrivate: true, maxBytes: 64 * KiB });
    assert.equal(error.code, 'file_too_large');
    assert.match(error.message, /64 KB limit \(the server declares 4194304 bytes\)/);
  });
});

describe('fetchOutgoing: general requests', () => {
  test('POST with headers and a body; the answer in memory', async () => {
    const url = await httpServer((request, response) => {
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () =>
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ method: request.method, signature: request.headers['x-signature'], agent: request.headers['user-agent'], body: Buffer.concat(parts).toString() })),
      );
    });
    const answer = await fetchOutgoing(
      { url: `${url}/hook`, method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Signature': 'sha256=abc' }, body: '{"event":"render.done"}' },
      { allowPrivate: true, maxBytes: 64 * KiB, maxRedirects: 0 },
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.file, null);
    assert.deepEqual(JSON.parse(answer.body!.toString()), { method: 'POST', signature: 'sha256=abc', agent: 'Renderbay', body: '{"event":"render.done"}' });
  });

  test('a POST answered 303 continues as a GET without the body', async () => {
    const url = await httpServer((request, response) => {
      if (request.url === '/submit') response.writeHead(303, { location: '/result' }).end();
      else response.end(`${request.method} ${request.url} ${request.headers['content-length'] ?? '-'}`);
    });
    const answer = await fetchOutgoing({ url: `${url}/submit`, method: 'POST', body: 'payload' }, { allowPrivate: true });
    assert.equal(answer.body!.toString(), 'GET /result -');
    assert.equal(answer.finalUrl, `${url}/result`);
  });

  test('a non-2xx answer is returned with its status; its body is not read and no file is kept', async () => {
    const url = await httpServer((_request, response) => response.writeHead(503, { 'retry-after': '5' }).end('busy'));
    const answer = await fetchOutgoing({ url: `${url}/busy` }, toFile());
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['retry-after'], '5');
    assert.equal(answer.file, null);
    assert.equal(answer.body, null);
    await assertNothingLeft();
  });
});

describe('fetchOutgoing: isolation', () => {
  test('the fetcher thread dying (here: a heap too small to start) is a download_failed, not the end of this process', async () => {
    const url = await httpServer((_request, response) => response.end(SMALL));
    const error = await fetchError({ url: `${url}/small` }, toFile({ heapMb: 1 }));
    assert.equal(error.code, 'download_failed');
    assert.match(error.message, /the fetcher stopped/);
    await assertNothingLeft();
    await assertFetches(`${url}/small`, SMALL); // and the next request works
  });
});
