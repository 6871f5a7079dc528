/**
 * Connections of a real `renderbay serve` limited to 256 open files (`ulimit -n 256`), the
 * setting in which 300 slow clients used to lock every legitimate request out: with more
 * slow clients than the connection cap (trickled headers, trickled upload bodies, idle
 * keep-alive sockets, each reconnecting when cut), legitimate requests are answered
 * promptly, every slow client is cut after its own timeout, and answers that take long (an
 * MCP wait, a slow download) are not cut. The timeouts are shortened through the
 * environment so the test runs in seconds; the production defaults are checked against the
 * README's table.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { percentile } from '../bench/statistics.js';
import { resolveHttpConfig } from '../src/config.js';
import { LOCK_FILE } from '../src/jobs/engine-lock.js';
import { api, cli, createKey, modelForm, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { call, connectHttp } from './helpers/mcp.js';
import { SLOW_KINDS, startSlowClients, timeRequests, type SlowKind } from './helpers/slow-clients.js';

const OPEN_FILE_LIMIT = 256;
/** The shortened timeouts (seconds) and what each kind of slow client should be cut after (ms). */
const FAST = { RENDERBAY_HEADERS_TIMEOUT: '1.5', RENDERBAY_BODY_RATE_WINDOW: '2', RENDERBAY_KEEP_ALIVE_TIMEOUT: '1' };
const CUT_AFTER_MS: Record<SlowKind, number> = { headers: 1500, body: 2000, idle: 1000 };
/** Node closes an idle keep-alive connection 1 s after the advertised timeout; checks run every ~0.4 s; the machine may be loaded. */
const CUT_SLACK_MS = 3500;

let dataDirectory: string;
let server: ServerProcess;
let key: string;
/** Another account's key, with upload slots of its own. */
let batchKey: string;
let modelId: string;
let renderId: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-connections-'));
  key = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'batch@example.com', '--data', dataDirectory);
  batchKey = await createKey(dataDirectory, { account: 'batch@example.com' });
  // This process holds the engine lock, so the server queues renders but never runs one: a
  // render stays pending for the MCP wait, and the test costs no rendering.
  await writeFile(path.join(dataDirectory, LOCK_FILE), String(process.pid));
  server = await startServerProcess(dataDirectory, { openFileLimit: OPEN_FILE_LIMIT, env: FAST });
  const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/sample/Suzanne.glb', { length: 3 }));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  ({ modelId, renderId } = upload.body.data);
});

after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

test('the production defaults are the ones the README documents', async () => {
  const readme = await readFile('README.md', 'utf8');
  const documented = (variable: string) => {
    const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${variable}\``));
    assert.ok(row, `README documents ${variable}`);
    return Number(/^\|[^|]*\| `([\d.]+)/.exec(row)?.[1]);
  };
  const defaults = resolveHttpConfig({}, {});
  assert.equal(defaults.maxConnections, documented('RENDERBAY_MAX_CONNECTIONS'));
  assert.equal(defaults.headersTimeoutMs, documented('RENDERBAY_HEADERS_TIMEOUT') * 1000);
  assert.equal(defaults.minBodyBytesPerSecond, documented('RENDERBAY_MIN_BODY_RATE') * 1024);
  assert.equal(defaults.bodyRateWindowMs, documented('RENDERBAY_BODY_RATE_WINDOW') * 1000);
  assert.equal(defaults.keepAliveTimeoutMs, documented('RENDERBAY_KEEP_ALIVE_TIMEOUT') * 1000);
  assert.equal(defaults.idleTimeoutMs, documented('RENDERBAY_IDLE_TIMEOUT') * 1000);
  // 100 MB at the minimum rate arrives long before the whole-request backstop; MCP's longest wait is far inside the silence limit.
  assert.ok((100 * 1024 * 1024) / defaults.minBodyBytesPerSecond < 2 * 3600);
  assert.ok(defaults.idleTimeoutMs > 300_000);
  // The cap the server reported was fitted under its 256 open files: a socket and a file per connection, and room to spare.
  const cap = Number(/up to (\d+) connections/.exec(server.log())?.[1]);
  assert.ok(cap > 0 && cap <= (OPEN_FILE_LIMIT - 96) / 2, `cap ${cap}`);
});

test('300 slow clients on a 256-file server: requests are answered promptly, slow clients are cut after their timeouts, long answers are not', async (t) => {
  const cap = Number(/up to (\d+) connections/.exec(server.log())?.[1]);
  const baseline = await timeRequests(server.url, key, 10);
  const counts = { headers: 100, body: 100, idle: 100 };
  const loop = startSlowClients({ apiUrl: server.url, key, counts, reconnect: true });
  const filled = await loop.whenOpen(cap, 30_000);
  assert.ok(filled >= cap, `the slow clients fill the ${cap} connections (${filled} open)`);

  // Long answers, each longer than every request-phase timeout, started while the slow clients press on.
  const mcpWait = (async () => {
    const client = await connectHttp(server.url, key);
    const started = Date.now();
    const result = await call(client, 'get_render', { renderId, waitSeconds: 4 });
    const waitedMs = Date.now() - started;
    await client.close();
    return { status: result.status as string, waitedMs };
  })();
  const download = slowDownload(`${server.url}/models/${modelId}/file`, key);
  const timings = await timeRequests(server.url, key, 20);
  const openDuringRequests = loop.open();
  const [wait, file] = await Promise.all([mcpWait, download]);
  const pressure = await loop.stop(0);

  // Then a batch under the cap (a few places left free), nothing evicting them: each is cut by its own timeout. Its
  // uploads come from another account, whose upload slots the loop's aborted uploads never held.
  const perKind = Math.min(20, Math.floor((cap - 3) / 3));
  const batch = startSlowClients({ apiUrl: server.url, key: batchKey, counts: { headers: perKind, body: perKind, idle: perKind }, reconnect: false });
  await batch.whenOpen(3 * perKind, 10_000);
  const cuts = await batch.stop(15_000);

  const latency = timings.latenciesMs;
  const describe = (values: number[]) => `p50 ${percentile(values, 0.5)?.toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
  const connections = SLOW_KINDS.map((kind) => `${pressure[kind].connections} ${kind}`).join(', ');
  t.diagnostic(`cap ${cap} connections under ulimit -n ${OPEN_FILE_LIMIT}; 300 slow clients made ${connections} connections; ${openDuringRequests} were open as the requests ended`);
  t.diagnostic(`legitimate requests: ${latency.length} ok, ${timings.failures.length} failed, latency ${describe(latency)} (no slow clients: ${describe(baseline.latenciesMs)})`);
  for (const kind of SLOW_KINDS) t.diagnostic(`${kind}: cut after ${describe(cuts[kind].cutAfterMs)}, ${cuts[kind].survivors} survivors, statuses ${JSON.stringify(cuts[kind].statuses)}`);
  t.diagnostic(`MCP get_render waited ${wait.waitedMs} ms; slow download ${file.bytes} bytes over ${file.elapsedMs} ms`);

  // (a) every legitimate request answered, promptly, while the slow clients held every connection.
  assert.deepEqual(timings.failures, []);
  assert.ok(Math.max(...latency) < 5000, `legitimate latency max ${Math.max(...latency)} ms`);
  assert.ok(openDuringRequests >= cap, `slow clients still connected while the requests ran (${openDuringRequests})`);
  // (b) each kind cut after its own timeout: not before it, not long after, none left.
  for (const kind of SLOW_KINDS) {
    const { cutAfterMs, survivors } = cuts[kind];
    assert.equal(survivors, 0, `${kind}: every slow client is cut`);
    assert.equal(cutAfterMs.length, perKind);
    assert.ok(Math.min(...cutAfterMs) >= CUT_AFTER_MS[kind] * 0.9, `${kind}: not cut before its timeout (${Math.min(...cutAfterMs)} ms)`);
    assert.ok(Math.max(...cutAfterMs) <= CUT_AFTER_MS[kind] + CUT_SLACK_MS, `${kind}: cut soon after its timeout (${Math.max(...cutAfterMs)} ms)`);
  }
  assert.equal(cuts.headers.statuses['408'], perKind, 'slow headers are told why (408)');
  assert.ok(cuts.body.statuses['408'] > 0, 'slow bodies that hold an upload slot are told why (408)');
  // (c) the long answers ran to their end.
  assert.equal(wait.status, 'pending');
  assert.ok(wait.waitedMs >= 3900, `the MCP wait ran its 4 s (${wait.waitedMs} ms)`);
  assert.equal(file.status, 200);
  assert.equal(file.bytes, file.contentLength);
  assert.equal(`"${file.sha256}"`, file.etag, 'the slow download arrived whole');
  assert.ok(file.elapsedMs > CUT_AFTER_MS.body + CUT_AFTER_MS.headers, `the download was slow (${file.elapsedMs} ms)`);
  // The server never ran out of descriptors.
  assert.doesNotMatch(server.log(), /EMFILE|ENFILE/);
});

/** Downloads `url` reading at most 16 KB every 50 ms (a 1.4 MB file takes over 4 s): far slower than any request-phase limit allows a request body. */
async function slowDownload(url: string, key: string): Promise<{ status: number; bytes: number; contentLength: number; sha256: string; etag: string; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { authorization: `Bearer ${key}` } }, (response) => {
        const hash = createHash('sha256');
        let bytes = 0;
        // At most 16 KB a tick, so the download's length does not depend on socket buffer sizes.
        const readSlowly = () => {
          const chunk = (response.read(16 * 1024) ?? response.read()) as Buffer | null;
          if (chunk) {
            hash.update(chunk);
            bytes += chunk.length;
          }
          if (response.readableEnded) return;
          setTimeout(readSlowly, 50);
        };
        response.once('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            bytes,
            contentLength: Number(response.headers['content-length']),
            sha256: hash.digest('hex'),
            etag: String(response.headers.etag),
            elapsedMs: Date.now() - started,
          }),
        );
        response.once('error', reject);
        readSlowly();
      })
      .once('error', reject);
  });
}
