/**
 * What the MCP tests share: an SDK Client over stdio (a spawned `renderbay mcp`) or
 * Streamable HTTP (a `renderbay serve`), tool calls that assert success or return the
 * error envelope, a local file server for URL ingest, and waiting on a render with
 * progress notifications.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, ClientCapabilities, Progress } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';

export const CLI = path.resolve('dist/src/cli.js');

export const TOOL_NAMES = [
  'ingest_model', 'list_models', 'get_model', 'export_usdz', 'update_model', 'quote', 'create_render', 'create_batch_renders',
  'wait_for_renders', 'list_renders', 'get_render', 'download_render', 'get_account', 'list_overlays', 'upload_overlay',
  'upload_environment', 'list_templates', 'create_template', 'create_job', 'get_job',
  'delete_render', 'dismiss_render', 'retry_render', 'archive_model', 'unarchive_model', 'delete_model', 'delete_overlay',
];

/** The tools a read-only key sees. */
export const READ_TOOL_NAMES = ['list_models', 'get_model', 'export_usdz', 'quote', 'wait_for_renders', 'list_renders', 'get_render', 'download_render', 'get_account', 'list_overlays', 'list_templates', 'get_job'];

/** tools/list as the bytes of its JSON result. */
export async function toolListBytes(client: Client): Promise<number> {
  return Buffer.byteLength(JSON.stringify(await client.listTools()));
}

export interface StdioConnection {
  client: Client;
  transport: StdioClientTransport;
  stderr(): string;
}

/** Spawns the built `renderbay mcp` with the SDK's stdio transport (and a plain Client with `capabilities`, unless one is given). */
export async function connectStdio(
  dataDirectory: string,
  options: { args?: string[]; env?: Record<string, string>; capabilities?: ClientCapabilities; client?: Client } = {},
): Promise<StdioConnection> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--data', dataDirectory, '--concurrency', '1', ...(options.args ?? [])],
    env: { ...(process.env as Record<string, string>), ...options.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const client = options.client ?? new Client({ name: 'renderbay-test', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** Connects the SDK's Streamable HTTP transport to `renderbay serve`'s /mcp with a bearer key. */
export async function connectHttp(apiUrl: string, key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl(apiUrl)), { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  const client = new Client({ name: 'renderbay-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** http://host:port/v1 → http://host:port/mcp */
export const mcpUrl = (apiUrl: string) => apiUrl.replace(/\/v1$/, '/mcp');

/** Calls a tool that must succeed; returns its structuredContent (and the whole result). */
export async function call<T = any>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T & { $result: CallToolResult }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.ok(!result.isError, `${name} failed: ${JSON.stringify(result.content)}`);
  assert.ok(result.structuredContent, `${name} returned no structuredContent`);
  assert.equal(result.content[0]?.type, 'text', 'a text rendering comes first');
  return Object.assign({}, result.structuredContent as T, { $result: result });
}

/** Calls a tool that must fail; returns its REST error envelope, checking the text says the same. */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ code: string; message: string; status: number }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.equal(result.isError, true, `${name} should have failed: ${JSON.stringify(result).slice(0, 500)}`);
  const envelope = result._meta?.['renderbay/error'] as { code: string; message: string; status: number };
  assert.ok(envelope, `no error envelope in ${JSON.stringify(result)}`);
  assert.deepEqual(result.content, [{ type: 'text', text: `${envelope.code}: ${envelope.message}` }]);
  return envelope;
}

/** get_render with waitSeconds and a progressToken, repeated until the render is finished. */
/**
 * Waits for a render with get_render (as many 50 s waits as it takes) and returns every
 * progress notification received. Each call has its own progressToken, and MCP requires
 * progress to rise with every notification of one token: that is checked per call. Across
 * calls the percent may repeat (a new call starts by reporting where the render is) but
 * never goes back.
 */
export async function waitWithProgress(client: Client, renderId: string, timeoutMs = 240_000): Promise<{ result: CallToolResult; render: any; progress: Progress[] }> {
  const progress: Progress[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ofThisCall: Progress[] = [];
    const result = (await client.callTool({ name: 'get_render', arguments: { renderId, waitSeconds: 50, preview: 'final' } }, undefined, {
      onprogress: (update) => ofThisCall.push(update),
      timeout: 60_000,
    })) as CallToolResult;
    assert.ok(!result.isError, JSON.stringify(result.content));
    for (const [index, update] of ofThisCall.entries()) {
      assert.equal(update.total, 100);
      if (index > 0) assert.ok(update.progress > ofThisCall[index - 1].progress, `progress rises within one call: ${ofThisCall.map((each) => each.progress)}`);
    }
    if (progress.length > 0 && ofThisCall.length > 0) assert.ok(ofThisCall[0].progress >= progress[progress.length - 1].progress, 'progress never goes back between calls');
    progress.push(...ofThisCall);
    const render = result.structuredContent as any;
    if (['done', 'error', 'failed'].includes(render.status)) return { result, render, progress };
    if (Date.now() > deadline) throw new Error(`render ${renderId} still ${render.status} after ${timeoutMs} ms`);
  }
}

/** Checks get_render's inline preview: a JPEG within the size caps, decoded; returns its pixels' size and corner colour. */
export async function checkPreview(result: CallToolResult): Promise<{ width: number; height: number; corner: number[] }> {
  const images = result.content.filter((block) => block.type === 'image');
  assert.equal(images.length, 1, 'one preview image');
  const image = images[0] as { data: string; mimeType: string };
  assert.equal(image.mimeType, 'image/jpeg');
  const bytes = Buffer.from(image.data, 'base64');
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], 'JPEG magic');
  assert.ok(Buffer.byteLength(JSON.stringify(result)) < 1024 * 1024, 'the whole result is under 1 MB');
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  assert.ok(Math.max(info.width, info.height) <= 1568, 'long side ≤ 1568 px');
  const preview = (result.structuredContent as any).preview;
  assert.deepEqual([preview.width, preview.height, preview.bytes], [info.width, info.height, bytes.length]);
  return { width: info.width, height: info.height, corner: [data[0], data[1], data[2]] };
}

/** A local HTTP server serving files by name (URL ingest from "the web", allowed as a private URL in tests). */
export async function serveFiles(files: Record<string, string>): Promise<{ url: string; close(): void }> {
  const contents = Object.fromEntries(await Promise.all(Object.entries(files).map(async ([name, file]) => [name, await readFile(file)] as const)));
  const server = http.createServer((request, response) => {
    const body = contents[(request.url ?? '').slice(1)];
    if (body) response.writeHead(200, { 'content-type': 'model/gltf-binary' }).end(body);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}
