/**
 * `renderbay mcp` keeps stdout for the protocol: spawned by hand and spoken to in raw
 * JSON-RPC, every line it writes while a render runs (progress notifications included)
 * must parse as a JSON-RPC message, and it exits cleanly when stdin closes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { CLI } from './helpers/mcp.js';

let dataDirectory: string;
after(async () => {
  if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
});

test('stdout carries nothing but JSON-RPC while a render runs; stdin closing stops the server', async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-stdout-'));
  const child = spawn(process.execPath, [CLI, 'mcp', '--data', dataDirectory, '--concurrency', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const lines: string[] = [];
  const pending = new Map<number, (message: any) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    let message: any;
    try {
      message = JSON.parse(line);
    } catch {
      return; // asserted below: every line must parse
    }
    if (message.id !== undefined && pending.has(message.id)) pending.get(message.id)!(message);
  });
  let nextId = 1;
  const request = (method: string, params: unknown): Promise<any> => {
    const id = nextId++;
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return new Promise((resolve) => pending.set(id, resolve));
  };
  const callTool = async (name: string, args: unknown, progressToken?: string) => {
    const response = await request('tools/call', { name, arguments: args, ...(progressToken ? { _meta: { progressToken } } : {}) });
    assert.equal(response.result?.isError, undefined, JSON.stringify(response));
    return response.result.structuredContent;
  };

  const initialized = await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
  assert.equal(initialized.result.serverInfo.name, 'renderbay');
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  assert.ok((await request('tools/list', {})).result.tools.length >= 12);

  // The model's free preview render runs in a worker (GL, ffmpeg) while we poll.
  const { renderId } = await callTool('ingest_model', { path: path.resolve('fixtures/generated/wide.glb') });
  let render;
  for (let attempt = 0; attempt < 6; attempt++) {
    render = await callTool('get_render', { renderId, waitSeconds: 50 }, 'watch');
    if (render.status === 'done') break;
  }
  assert.equal(render.status, 'done');
  await callTool('download_render', { renderId });

  for (const line of lines) {
    const message = JSON.parse(line); // throws on anything that is not JSON
    assert.equal(message.jsonrpc, '2.0', line.slice(0, 200));
    assert.ok('id' in message || 'method' in message, line.slice(0, 200));
  }
  assert.ok(lines.some((line) => line.includes('"notifications/progress"') && line.includes('"watch"')), 'progress notifications went to stdout as JSON-RPC');
  assert.match(stderr, /ready/, 'logs go to stderr');

  child.stdin.end();
  assert.equal(await exited, 0);
  assert.match(stderr, /stdin closed: stopping/);
});
