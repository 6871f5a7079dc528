/**
 * MCP: context size, call counts and latency.
 *
 *   npm run bench:mcp            (MODELS=3 by default: the issue's 3 models × 2 variants)
 *
 * 1. tools/list bytes: stdio, and over HTTP for a write key and a read-only key (budget 20,000).
 * 2. Startup: spawn `renderbay mcp` → initialize → tools/list answered, over stdio with
 *    the SDK's Client (target < 300 ms). The first run creates the data directory and
 *    the local account; the median is taken over the warm runs after it.
 * 3. The hosted guide's four example prompts as scripted agents (test/helpers/mcp-prompts.ts)
 *    over stdio: calls and result bytes, against the figures before this work.
 * 4. get_render over Streamable HTTP against a real `renderbay serve`: p50/p90/p99 of a
 *    get_render call (no wait) on a finished render with its inline JPEG preview
 *    (preview: "always") and, to separate the costs, on a pending render (no preview),
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
import { catalogOnboarding, CountingAgent, datasetGeneration, statusCheck, variantExpansion } from '../test/helpers/mcp-prompts.js';
import { serveFiles } from '../test/helpers/mcp.js';
import { median, percentile } from './statistics.js';

const CLI = path.resolve('dist/src/cli.js');
const MODEL = 'fixtures/generated/wide.glb';
const STARTUP_RUNS = 9;
const CALLS = Number(process.env.CALLS ?? 300);
const MODELS = Number(process.env.MODELS ?? 3);
const MODEL_FILES = ['wide.glb', 'tall.glb', 'offcentre.glb', 'textured-cube.glb', 'vertex-colours.glb', 'draco.glb', 'meshopt.glb', 'webp-texture.glb', 'textured-npot.glb', 'variants.glb'];

/** The issue's table: what each prompt cost before this work. */
const BEFORE: Record<string, string> = {
  onboarding: '10 calls (+1 per render poll), 42 KB for 3 models',
  variantExpansion: 'N+4 calls (a get_model per model, 3–9 KB each)',
  dataset: '5 calls, 15 KB',
  statusCheck: '9 calls, 35 KB',
};

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function toolListSizes(data: string, api: string, writeKey: string, readKey: string): Promise<void> {
  const bytesOf = async (client: Client) => Buffer.byteLength(JSON.stringify(await client.listTools()));
  const local = new Client({ name: 'bench', version: '1' });
  await local.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--data', data], stderr: 'ignore' }));
  const figures: [string, number][] = [['stdio (local account)', await bytesOf(local)]];
  await local.close();
  let perTool: [string, number][] = [];
  for (const [label, key] of [['HTTP, write key', writeKey], ['HTTP, read-only key', readKey]]) {
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(api.replace(/\/v1$/, '/mcp')), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    figures.push([label, await bytesOf(client)]);
    if (key === writeKey) perTool = (await client.listTools()).tools.map((tool) => [tool.name, Buffer.byteLength(JSON.stringify(tool))]);
    await client.close();
  }
  console.log('\ntools/list, bytes of JSON (budget 20,000 for a write key; before this work 45,339):');
  for (const [label, bytes] of figures) console.log(`  ${label.padEnd(24)} ${bytes}`);
  // What each tool costs, largest first: where to look when a new tool does not fit.
  console.log(`  per tool (HTTP, write key): ${perTool.sort((a, b) => b[1] - a[1]).map(([name, bytes]) => `${name} ${bytes}`).join(', ')}`);
}

async function examplePrompts(): Promise<void> {
  const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-prompts-bench-'));
  const files = await serveFiles(Object.fromEntries(MODEL_FILES.slice(0, MODELS + 1).map((name) => [name, `fixtures/generated/${name}`])));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--data', data, '--allow-private-urls', '--confirm-above', '100000'],
    env: { ...(process.env as Record<string, string>), RENDERBAY_INITIAL_CREDITS: '1000' },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  try {
    const agent = new CountingAgent(client);
    const rows: [string, number, number][] = [];
    const started = performance.now();
    const onboarding = await catalogOnboarding(
      agent,
      MODEL_FILES.slice(0, MODELS).map((name) => `${files.url}/${name}`),
      [{ aspect: '16:9', bgColor: '#ffffff', length: 3 }, { aspect: '1:1', bgColor: '#000000', length: 3 }],
    );
    rows.push([`onboarding (${MODELS} models × 2 variants, ${((performance.now() - started) / 1000).toFixed(0)} s)`, onboarding.calls, onboarding.bytes]);
    const overlay = await agent.call('upload_overlay', { base64: (await readFile('fixtures/generated/overlay-quadrants-tall.png')).toString('base64'), filename: 'gradient.png' });
    await agent.call('create_render', { modelId: onboarding.modelIds[0], renderSettings: { aspect: '9:16', length: 30 } });
    const variants = await variantExpansion(agent, overlay.id);
    rows.push([`variant expansion (${variants.skipped.length} skipped, ${variants.renderIds.length} created)`, variants.calls, variants.bytes]);
    const status = await statusCheck(agent);
    rows.push([`status check (${status.pending.length} pending)`, status.calls, status.bytes]);
    for (const render of status.pending) await agent.call('delete_render', { renderId: render.id });
    await agent.call('ingest_model', { url: `${files.url}/${MODEL_FILES[MODELS]}`, tags: ['training-batch-7'] });
    const dataset = await datasetGeneration(agent);
    rows.push(['dataset generation (1 model, 196x1024)', dataset.calls, dataset.bytes]);
    for (const id of dataset.renderIds) await agent.call('delete_render', { renderId: id });
    const keys = ['onboarding', 'variantExpansion', 'statusCheck', 'dataset'];
    console.log('\nThe hosted guide\'s example prompts, scripted agent over stdio: calls, bytes of results (before this work):');
    rows.forEach(([label, calls, bytes], index) => console.log(`  ${label.padEnd(52)} ${String(calls).padStart(2)} calls ${String(bytes).padStart(7)} B   (${BEFORE[keys[index]]})`));
  } finally {
    await client.close();
    files.close();
    await rm(data, { recursive: true, force: true });
  }
}

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
    console.log(`  median of ${STARTUP_RUNS} runs: ${ms(median(warm))}  (min ${ms(Math.min(...warm))}, max ${ms(Math.max(...warm))})  target < 300 ms`);

    await examplePrompts();

    // 2. HTTP get_render
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'keys', 'create', '--name', 'bench', '--data', data]);
    const key = stdout.trim();
    const readKey = (await promisify(execFile)(process.execPath, [CLI, 'keys', 'create', '--name', 'bench-read', '--read-only', '--data', data])).stdout.trim();
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
      await toolListSizes(data, api, key, readKey);
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
