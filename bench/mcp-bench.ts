/**
 * MCP latency, the two figures issue 4 asks for.
 *
 *   npm run build && node dist/bench/mcp-bench.js
 *
 * 1. Startup: spawn `renderbay mcp` → initialize → tools/list answered, over stdio with
 *    the SDK's Client (target < 500 ms). The first run creates the data directory and
 *    the local account; the median is taken over the warm runs after it.
 * 2. get_render over Streamable HTTP against a real `renderbay serve`: p50/p90/p99 of a
 *    get_render call (no wait) on a finished render — which includes its inline JPEG
 *    preview — and, to separate the costs, get_render on a pending render (no preview),
 *    get_account, and the REST GET /v1/renders/:id the tool adapts.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { median, percentile } from './statistics.js';

const CLI = path.resolve('dist/src/cli.js');
const MODEL = 'fixtures/generated/wide.glb';
const STARTUP_RUNS = 9;
const CALLS = 300;

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function startupOnce(data: string): Promise<number> {
  const started = performance.now();
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--data', data], stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  await client.listTools();
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
}

async function timeCalls(run: () => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < 20; index++) await run(); // warm-up
  const times: number[] = [];
  for (let index = 0; index < CALLS; index++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  console.log(`Renderbay MCP benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-bench-'));
  try {
    // 1. stdio startup
    const first = await startupOnce(data);
    const warm: number[] = [];
    for (let run = 0; run < STARTUP_RUNS; run++) warm.push(await startupOnce(data));
    console.log(`\nstdio: spawn → tools/list answered`);
    console.log(`  first run (creates the data dir and local account): ${ms(first)}`);
    console.log(`  median of ${STARTUP_RUNS} runs: ${ms(median(warm))}  (min ${ms(Math.min(...warm))}, max ${ms(Math.max(...warm))})  target < 500 ms`);

    // 2. HTTP get_render
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'keys', 'create', '--name', 'bench', '--data', data]);
    const key = stdout.trim();
    const server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', data, '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const api = await new Promise<string>((resolve) => {
        let output = '';
        server.stdout!.on('data', (chunk) => {
          output += String(chunk);
          const match = /listening on (http:\/\/\S+\/v1)/.exec(output);
          if (match) resolve(match[1]);
        });
      });
      const headers = { authorization: `Bearer ${key}` };
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(await readFile(MODEL))]), path.basename(MODEL));
      const upload = (await (await fetch(`${api}/models`, { method: 'POST', headers, body: form })).json()) as { data: { modelId: string; renderId: string } };
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(api.replace(/\/v1$/, '/mcp')), { requestInit: { headers } }));
      const doneId = upload.data.renderId;
      for (let status = ''; status !== 'done'; ) {
        const result = await client.callTool({ name: 'get_render', arguments: { renderId: doneId, waitSeconds: 30 } });
        status = (result.structuredContent as { status: string }).status;
      }
      // A pending render: queue one behind a render that keeps the worker busy.
      const busy = await client.callTool({ name: 'create_render', arguments: { modelId: upload.data.modelId, renderSettings: { length: 30 } } });
      const pending = await client.callTool({ name: 'create_render', arguments: { modelId: upload.data.modelId, renderSettings: { length: 29 } } });
      const pendingId = (pending.structuredContent as { id: string }).id;

      const rows: [string, number[]][] = [
        ['get_render, done render (+ inline JPEG preview)', await timeCalls(() => client.callTool({ name: 'get_render', arguments: { renderId: doneId } }))],
        ['get_render, pending render (no preview)', await timeCalls(() => client.callTool({ name: 'get_render', arguments: { renderId: pendingId } }))],
        ['get_account', await timeCalls(() => client.callTool({ name: 'get_account', arguments: {} }))],
        ['REST GET /v1/renders/:id (baseline)', await timeCalls(async () => (await fetch(`${api}/renders/${doneId}`, { headers })).json())],
      ];
      console.log(`\nStreamable HTTP (stateless, one POST per call), ${CALLS} sequential calls each, while a render runs (${(busy.structuredContent as { id: string }).id}):`);
      for (const [label, times] of rows) {
        console.log(`  ${label.padEnd(50)} p50 ${ms(percentile(times, 0.5))}  p90 ${ms(percentile(times, 0.9))}  p99 ${ms(percentile(times, 0.99))}`);
      }
      await client.close();
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  } finally {
    await rm(data, { recursive: true, force: true });
  }
}

await main();
