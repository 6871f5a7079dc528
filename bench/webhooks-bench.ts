/**
 * Webhook delivery figures on a real `renderbay serve` and real receivers on 127.0.0.1.
 *
 *   npm run bench:webhooks [-- renders]
 *
 * 1. Latency from `done` to delivery: renders (one 128 px still each, one after another)
 *    with a render.complete webhook to a receiver that answers at once; for each, the time
 *    from the render's `updatedAt` (set when it becomes `done`) to the delivery's arrival.
 * 2. API latency while 100 deliveries are pending to a slow receiver (it answers after 5 s):
 *    300 sequential GET /v1/renders/:id on fresh connections before the deliveries are
 *    queued and 300 while they are, p50 and p99 of each.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { api, createKey, modelForm, startServerProcess, waitForRender } from '../test/helpers/api-server.js';
import { timeRequests } from '../test/helpers/slow-clients.js';
import { median, percentile } from './statistics.js';

const RENDERS = Number(process.argv[2] ?? 10);
const PENDING = 100;
const REQUESTS = 300;
const SLOW_ANSWER_MS = 5000;
const QUICK = { output: 'stills', stills: ['front'], imageSize: '128x128' };

/** A receiver that calls `onBody` with each body and answers 200 after `delayMs`. */
async function receiver(delayMs: number, onBody: (body: string, receivedAt: number) => void): Promise<{ url: string; close(): void }> {
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      onBody(body, Date.now());
      setTimeout(() => response.writeHead(200).end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const format = (values: number[]) => `p50 ${median(values).toFixed(1)} ms, p99 ${percentile(values, 0.99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;

async function main(): Promise<void> {
  const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-webhooks-bench-'));
  const key = await createKey(data);
  const server = await startServerProcess(data, { allowPrivateUrls: true });
  const arrivals = new Map<string, number>();
  const fast = await receiver(0, (body, receivedAt) => arrivals.set((JSON.parse(body) as { data: { id: string } }).data.id, receivedAt));
  const slow = await receiver(SLOW_ANSWER_MS, () => {});
  try {
    console.log(`Renderbay webhooks benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model}), load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
    const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/sample/Suzanne.glb'));
    await waitForRender(server, key, upload.body.data.renderId);
    const modelId = upload.body.data.modelId as string;
    await api(server, key, 'POST', '/webhooks', { url: fast.url, events: ['render.complete'] });

    // 1. done → delivery.
    const latencies: number[] = [];
    let lastRenderId = '';
    for (let index = 0; index < RENDERS; index++) {
      const created = await api(server, key, 'POST', '/renders', { modelId, renderSettings: QUICK });
      const { render } = await waitForRender(server, key, created.body.data.id);
      const deadline = Date.now() + 30_000;
      while (!arrivals.has(render.id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      const arrived = arrivals.get(render.id);
      if (arrived === undefined) throw new Error(`no delivery for render ${render.id}`);
      latencies.push(arrived - Date.parse(render.updatedAt));
      lastRenderId = render.id;
    }
    console.log(`done → delivery (${RENDERS} renders): ${format(latencies)}`);

    // 2. API latency with 100 deliveries pending to a slow receiver.
    const route = `/renders/${lastRenderId}`;
    const baseline = await timeRequests(server.url, key, REQUESTS, { path: route });
    const slowHook = (await api(server, key, 'POST', '/webhooks', { url: slow.url, events: ['render.complete'] })).body.data;
    for (let index = 0; index < PENDING; index++) await api(server, key, 'POST', `/webhooks/${slowHook.id}/ping`);
    const loaded = await timeRequests(server.url, key, REQUESTS, { path: route });
    const log = (await api(server, key, 'GET', `/webhooks/${slowHook.id}/deliveries?limit=100`)).body;
    const stillPending = (log.data as { status: string }[]).filter((delivery) => delivery.status === 'pending').length;
    console.log(`GET ${'/v1/renders/:id'} × ${REQUESTS}, no deliveries pending:        ${format(baseline.latenciesMs)}${baseline.failures.length ? `, ${baseline.failures.length} failed` : ''}`);
    console.log(`GET ${'/v1/renders/:id'} × ${REQUESTS}, ${PENDING} queued to a ${SLOW_ANSWER_MS / 1000} s receiver: ${format(loaded.latenciesMs)}${loaded.failures.length ? `, ${loaded.failures.length} failed` : ''} (${stillPending} still pending after)`);
  } finally {
    fast.close();
    slow.close();
    await server.stop();
    await rm(data, { recursive: true, force: true });
  }
}

await main();
