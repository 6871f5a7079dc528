/**
 * The connection guard's choice of whom to cut, on a real node:http server on 127.0.0.1 with a
 * small cap, so each rule shows in seconds and without a whole `renderbay serve`:
 * - a client that sends its request late (a busy machine, a slow link) is answered however
 *   long it stays silent, while reconnecting slow clients churn the pool (CI once cut 3 of 20
 *   legitimate requests so: a 1 s grace ran out and the late client was then the oldest);
 * - silence is still bounded: Node's headersTimeout closes a connection that never speaks;
 * - with the pool and its overflow full of silent connections, a newcomer still gets in and
 *   the oldest silent one goes (never a refusal while a silent connection can go).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { guardConnections, httpServerOptions, SILENT_OVERFLOW, type ConnectionLimits } from '../src/http/connection-guard.js';
import { startSlowClients } from './helpers/slow-clients.js';

const LIMITS: ConnectionLimits = {
  maxConnections: 8,
  headersTimeoutMs: 4000,
  minBodyBytesPerSecond: 1024,
  bodyRateWindowMs: 2000,
  keepAliveTimeoutMs: 3000,
  idleTimeoutMs: 60_000,
  maxBodyBytes: 1024 * 1024,
  evictionGraceMs: 1000,
};

let server: http.Server;
let port: number;
const guardLog: string[] = [];

before(async () => {
  server = http.createServer(httpServerOptions(LIMITS), (request, response) => {
    request.resume();
    const text = `answered ${request.url}`;
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) }).end(text);
  });
  guardConnections(server, LIMITS, (message) => guardLog.push(message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface RawResult {
  /** The status line's code, or null when the server closed without answering. */
  status: number | null;
  body: string;
  /** ms from connect to close. */
  closedAfterMs: number;
}

/** Connects, stays silent for `silentMs` (-1: forever), then sends a GET; resolves when the server closes. */
function rawRequest(path: string, silentMs: number, onOpen?: (socket: net.Socket) => void): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    let connectedAt = Date.now();
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      connectedAt = Date.now();
      onOpen?.(socket);
      if (silentMs >= 0) setTimeout(() => socket.writable && socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), silentMs);
    });
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.once('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ status: status ? Number(status) : null, body: received.split('\r\n\r\n')[1] ?? '', closedAfterMs: Date.now() - connectedAt });
    });
  });
}

test('a client that sends its request 1.5 s after connecting is answered while 40 reconnecting slow clients churn a pool of 8', async (t) => {
  // Fewer slow clients than the pool and its silent overflow hold (8 + 64), so room is always made by cutting one
  // that has spoken: were there more, and all silent at once on a starved machine, the oldest silent would go by design.
  const slow = startSlowClients({ apiUrl: `http://127.0.0.1:${port}/v1`, key: 'unused', counts: { headers: 20, body: 0, idle: 20 }, reconnect: true });
  try {
    const filled = await slow.whenOpen(LIMITS.maxConnections, 10_000);
    assert.ok(filled >= LIMITS.maxConnections, `the slow clients fill the pool (${filled} open)`);
    // Five late clients at staggered times, so each meets the churn at a different moment.
    const late = await Promise.all([0, 1, 2, 3, 4].map((index) => new Promise<RawResult>((resolve) => setTimeout(() => resolve(rawRequest(`/late-${index}`, 1500)), index * 300))));
    const prompt = await rawRequest('/prompt', 0);
    const report = await slow.stop(0);
    t.diagnostic(`slow clients made ${report.headers.connections} headers and ${report.idle.connections} idle connections; late clients: ${late.map((result) => result.status).join(', ')}`);
    late.forEach((result, index) => {
      assert.equal(result.status, 200, `late client ${index} answered (closed after ${result.closedAfterMs} ms without a status)`);
      assert.equal(result.body, `answered /late-${index}`);
    });
    assert.equal(prompt.status, 200);
    // The churn was real: every arrival had to evict someone.
    assert.ok(report.headers.connections + report.idle.connections > 100, 'the pool turned over many times');
  } finally {
    await slow.stop(0);
  }
});

test("a connection that never speaks is closed by the headers timeout: silence is spared, not kept forever", async () => {
  const silent = await rawRequest('/never', -1);
  assert.ok(silent.closedAfterMs >= LIMITS.headersTimeoutMs * 0.9, `not closed before the headers timeout (${silent.closedAfterMs} ms)`);
  assert.ok(silent.closedAfterMs <= LIMITS.headersTimeoutMs + 3000, `closed soon after it (${silent.closedAfterMs} ms)`);
});

test('with the pool and its overflow full of silent connections, a newcomer gets in and the oldest silent one goes', async () => {
  const held = LIMITS.maxConnections + SILENT_OVERFLOW;
  const sockets: net.Socket[] = [];
  const silent: Array<Promise<RawResult>> = [];
  for (let index = 0; index < held; index++) {
    // One at a time, so "oldest" is well defined.
    await new Promise<void>((opened) => silent.push(rawRequest(`/silent-${index}`, -1, (socket) => (sockets.push(socket), opened()))));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  try {
    const oldestClosed = silent[0];
    const newcomer = await rawRequest('/newcomer', 50);
    assert.equal(newcomer.status, 200, 'the newcomer is answered, not refused');
    const oldest = await Promise.race([oldestClosed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000))]);
    assert.ok(oldest, 'the oldest silent connection was cut to make room');
    assert.equal(oldest.status, null, 'cut without an answer (it never asked anything)');
    assert.ok(oldest.closedAfterMs < LIMITS.headersTimeoutMs, `cut for room, not by the headers timeout (${oldest.closedAfterMs} ms)`);
    assert.ok(!guardLog.some((line) => line.includes('refusing')), 'nothing was refused');
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});
