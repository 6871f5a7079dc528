/**
 * API responsiveness while rendering.
 *
 *   npm run bench:api [-- model.glb]
 *
 * 1. Upload → poster-done of the free system preview (target < 3 s for a typical model).
 * 2. While a paid render runs, 200 concurrent clients poll GET /v1/renders/:id for 10 s:
 *    throughput and p50/p99 latency (target p99 < 50 ms — rendering never blocks the API).
 * The server is a real `renderbay serve` process on 127.0.0.1 with a temporary data dir.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { DEFAULT_MODEL, FALLBACK_MODEL } from './measure.js';
import { percentile } from './statistics.js';

const CLIENTS = 200;
const POLL_SECONDS = 10;
const CLI = path.resolve('dist/src/cli.js');

async function main(): Promise<void> {
  const model = process.argv[2] ?? (existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : FALLBACK_MODEL);
  const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-bench-'));
  const { stdout: key } = await promisify(execFile)(process.execPath, [CLI, 'keys', 'create', '--name', 'bench', '--data', data]);
  const server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', data, '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve) => {
    let output = '';
    server.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const match = /listening on (http:\/\/\S+)\/v1/.exec(output);
      if (match) resolve(match[1]);
    });
  });
  const authorization = `Bearer ${key.trim()}`;
  const pool = new Pool(base, { connections: CLIENTS, pipelining: 1 });
  const getJson = async (route: string) => {
    const response = await pool.request({ path: `/v1${route}`, method: 'GET', headers: { authorization } });
    return (await response.body.json()) as { data: { status: string; progress: number } };
  };
  try {
    console.log(`Renderbay API benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model}), load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
    console.log(`model: ${model}`);

    // 1. Upload → system preview poster.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await readFile(model))]), path.basename(model));
    const uploadStarted = performance.now();
    const upload = (await (await fetch(`${base}/v1/models`, { method: 'POST', headers: { authorization }, body: form })).json()) as { data: { modelId: string; renderId: string } };
    const uploadedMs = performance.now() - uploadStarted;
    let posterMs = Number.NaN;
    for (;;) {
      const { data } = await getJson(`/renders/${upload.data.renderId}`);
      if (data.status !== 'pending' && data.status !== 'poster-processing') {
        posterMs = performance.now() - uploadStarted;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(`\nupload → poster-done (system preview): ${(posterMs / 1000).toFixed(2)} s  (upload itself ${uploadedMs.toFixed(0)} ms)  target < 3 s  ${posterMs < 3000 ? 'PASS' : 'MISS'}`);

    // 2. A long paid render, polled by 200 clients.
    const created = (await (
      await fetch(`${base}/v1/renders`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ modelId: upload.data.modelId, renderSettings: { quality: 'standard', length: 30 } }),
      })
    ).json()) as { data: { id: string } };
    const renderId = created.data.id;
    for (;;) {
      const { data } = await getJson(`/renders/${renderId}`);
      if (data.status === 'poster-done') break; // rendering and encoding from here on
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const progressBefore = (await getJson(`/renders/${renderId}`)).data.progress;
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + POLL_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < deadline) {
          const sent = performance.now();
          try {
            const response = await pool.request({ path: `/v1/renders/${renderId}`, method: 'GET', headers: { authorization } });
            await response.body.json();
            if (response.statusCode !== 200) errors++;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const after = (await getJson(`/renders/${renderId}`)).data;
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    const max = latencies.reduce((most, latency) => Math.max(most, latency), 0);
    console.log(`\n${CLIENTS} clients polling GET /v1/renders/:id for ${elapsed.toFixed(1)} s while rendering (progress ${progressBefore}% → ${after.progress}%, ${after.status}):`);
    console.log(`  requests ${latencies.length}, errors ${errors}, throughput ${(latencies.length / elapsed).toFixed(0)} req/s`);
    console.log(`  latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms  target p99 < 50 ms  ${p99 < 50 ? 'PASS' : 'MISS'}`);
  } finally {
    await pool.close();
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(data, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
