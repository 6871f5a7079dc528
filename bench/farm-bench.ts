/**
 * Render farm benchmark: the same batch of renders with the embedded engine and with a
 * control plane + 1 worker on this machine (real redis-server, s3rver and `renderbay`
 * processes on 127.0.0.1), both rendering one pass at a time.
 *
 *   npm run bench:farm                      12 share turntables of 3 s (1:1), each its own pass
 *   npm run bench:farm -- --renders 6 --length 4
 *
 * Reports, per render: wall time both ways and the overhead of the distributed path
 * (target ≤ 10 %); dispatch latency p50/p99 (from the moment a pass could start — queued
 * and the worker free — to the worker starting it, BullMQ's own timestamps); result
 * latency (worker done → `done` in SQLite: download and publish on the control plane);
 * bytes moved through the object store (counted by a TCP proxy in front of s3rver) and
 * Redis traffic and commands (INFO) — the figures the README's capacity model uses.
 * The exit code is 0 whether or not the target is met (a benchmark, not a test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { redisClient } from '../src/farm/farm-config.js';
import { PASS_QUEUE } from '../src/farm/farm-protocol.js';
import { api, createKey, modelForm, startServerProcess, waitForRender, type ServerProcess } from '../test/helpers/api-server.js';
import { farmUnavailable, freePort, startControlPlane, startRedis, startS3, startWorker } from '../test/helpers/farm.js';
import { percentile } from './statistics.js';

const MODEL = 'fixtures/generated/textured-cube.glb';
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const RENDERS = option('renders', 12);
const LENGTH = option('length', 3);

/** Each render its own pass (a different rotateY), identical in both runs. */
const batch = (modelId: string) => ({ renders: Array.from({ length: RENDERS }, (_, index) => ({ modelId, renderSettings: { quality: 'share', aspect: '1:1', length: LENGTH, rotateY: index * 10 } })) });

interface Run {
  wallMs: number;
  renders: { id: string; finishedAt: string; outputBytes: number }[];
}

async function runBatch(server: ServerProcess, key: string): Promise<Run> {
  const upload = await api(server, key, 'POST', '/models', await modelForm(MODEL));
  await waitForRender(server, key, upload.body.data.renderId, 600_000); // the model's preview: not timed
  const started = Date.now();
  const created = await api(server, key, 'POST', '/renders/batch', batch(upload.body.data.modelId));
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const renders: Run['renders'] = [];
  for (const { id } of created.body.data as { id: string }[]) {
    const { render } = await waitForRender(server, key, id, 1_800_000);
    if (render.status !== 'done') throw new Error(`render ${id}: ${render.status} ${render.errorMessage}`);
    renders.push({ id, finishedAt: render.finishedAt ?? render.updatedAt, outputBytes: render.fileSize ?? 0 });
  }
  return { wallMs: Date.now() - started, renders };
}

/** A TCP proxy counting the bytes each way (what crosses the network to the object store). */
async function countingProxy(targetPort: number): Promise<{ port: number; bytes: () => { up: number; down: number }; close: () => void }> {
  let up = 0;
  let down = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk) => (up += chunk.length));
    upstream.on('data', (chunk) => (down += chunk.length));
    client.pipe(upstream).on('error', () => client.destroy());
    upstream.pipe(client).on('error', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, bytes: () => ({ up, down }), close: () => server.close() };
}

async function main(): Promise<void> {
  const missing = farmUnavailable();
  if (missing) {
    process.stderr.write(`${missing}\n`);
    process.exit(1);
  }
  const folders: string[] = [];
  const temp = async (name: string) => {
    const folder = await mkdtemp(path.join(os.tmpdir(), `renderbay-bench-${name}-`));
    folders.push(folder);
    return folder;
  };
  process.stdout.write(`Farm benchmark: ${RENDERS} share renders of ${LENGTH} s (1:1), one pass at a time, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}\n`);

  // Embedded: one process, --concurrency 1.
  const embeddedData = await temp('embedded');
  const embedded = await startServerProcess(embeddedData);
  const embeddedRun = await runBatch(embedded, await createKey(embeddedData)).finally(() => embedded.stop());

  // Farm: control plane + 1 worker (concurrency 1), the store behind a counting proxy.
  const [redis, s3] = await Promise.all([startRedis(), startS3()]);
  const proxy = await countingProxy(s3.port);
  const store = { ...s3, env: { ...s3.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${proxy.port}` } };
  const farmData = await temp('farm');
  const key = await createKey(farmData);
  const controlPlane = await startControlPlane(farmData, redis, store);
  const worker = await startWorker(redis, store, { concurrency: 1, scratch: await temp('worker') });
  const info = redisClient(redis.url);
  const redisStats = async () => {
    const text = await info.info('stats');
    const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1] ?? 0);
    return { commands: field('total_commands_processed'), bytesIn: field('total_net_input_bytes'), bytesOut: field('total_net_output_bytes') };
  };
  let farmRun: Run;
  let storeBytes: { up: number; down: number };
  let redisUse: { commands: number; bytesIn: number; bytesOut: number };
  const queueConnection = redisClient(redis.url);
  const queue = new Queue(PASS_QUEUE, { connection: queueConnection });
  try {
    const storeBefore = proxy.bytes();
    const redisBefore = await redisStats();
    farmRun = await runBatch(controlPlane, key);
    const storeAfter = proxy.bytes();
    const redisAfter = await redisStats();
    storeBytes = { up: storeAfter.up - storeBefore.up, down: storeAfter.down - storeBefore.down };
    redisUse = { commands: redisAfter.commands - redisBefore.commands, bytesIn: redisAfter.bytesIn - redisBefore.bytesIn, bytesOut: redisAfter.bytesOut - redisBefore.bytesOut };
  } finally {
    await worker.stop();
    await controlPlane.stop();
  }
  // Dispatch: from "could start" (queued, and the previous pass done) to processedOn.
  const jobs = (await queue.getCompleted(0, 1000)).sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
  const dispatch: number[] = [];
  const result: number[] = [];
  const doneAt = new Map(farmRun.renders.map((render) => [render.id, Date.parse(render.finishedAt)]));
  for (const [index, job] of jobs.entries()) {
    const ready = Math.max(job.timestamp, index > 0 ? (jobs[index - 1].finishedOn ?? 0) : 0);
    dispatch.push((job.processedOn ?? ready) - ready);
    const done = doneAt.get(job.data.passId);
    if (done && job.finishedOn) result.push(done - job.finishedOn);
  }
  await queue.close();
  queueConnection.disconnect();
  info.disconnect();
  proxy.close();
  await Promise.all([redis.stop(), s3.stop()]);
  for (const folder of folders) await rm(folder, { recursive: true, force: true });

  const perEmbedded = embeddedRun.wallMs / RENDERS;
  const perFarm = farmRun.wallMs / RENDERS;
  const overhead = (perFarm - perEmbedded) / perEmbedded;
  const outputs = farmRun.renders.reduce((sum, render) => sum + render.outputBytes, 0) / RENDERS;
  const line = (text: string) => process.stdout.write(`${text}\n`);
  line(`embedded        ${(embeddedRun.wallMs / 1000).toFixed(1)} s for ${RENDERS} renders, ${(perEmbedded / 1000).toFixed(2)} s per render`);
  line(`farm (1 worker) ${(farmRun.wallMs / 1000).toFixed(1)} s for ${RENDERS} renders, ${(perFarm / 1000).toFixed(2)} s per render`);
  line(`overhead        ${((perFarm - perEmbedded) / 1000).toFixed(2)} s per render, ${(overhead * 100).toFixed(1)} % (target ≤ 10 %: ${overhead <= 0.1 ? 'met' : 'NOT met'})`);
  line(`dispatch        p50 ${percentile(dispatch, 0.5)} ms, p99 ${percentile(dispatch, 0.99)} ms (${dispatch.length} passes: ready on the queue → a worker starts it)`);
  if (result.length > 0) line(`result          p50 ${percentile(result, 0.5)} ms, p99 ${percentile(result, 0.99)} ms (worker done → render done in SQLite)`);
  line(`store traffic   ${(storeBytes.up / RENDERS / 1e6).toFixed(2)} MB up + ${(storeBytes.down / RENDERS / 1e6).toFixed(2)} MB down per render (outputs ${(outputs / 1e6).toFixed(2)} MB video per render)`);
  line(`redis           ${(redisUse.commands / RENDERS).toFixed(0)} commands, ${((redisUse.bytesIn + redisUse.bytesOut) / RENDERS / 1e3).toFixed(1)} kB per render (${((redisUse.commands / farmRun.wallMs) * 1000).toFixed(1)} commands/s with 1 worker busy)`);
}

await main();
process.exit(0); // the Xvfb and any reconnecting client do not keep a finished benchmark alive
