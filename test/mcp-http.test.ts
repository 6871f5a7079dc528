/**
 * MCP over Streamable HTTP at /mcp of a real `renderbay serve` on 127.0.0.1, with the
 * SDK's own Client: the same bearer keys as the REST API (401 without one), tools scoped
 * to the key's account, a render from URL ingest to signed download URLs with
 * progress on the way, read-only keys, and bad arguments answered with REST codes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { cli, createKey, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { call, callError, checkPreview, connectHttp, mcpUrl, serveFiles, TOOL_NAMES, waitWithProgress } from './helpers/mcp.js';

let dataDirectory: string;
let server: ServerProcess;
let files: Awaited<ReturnType<typeof serveFiles>>;
let keyA: string;
let keyB: string;
let readOnlyKeyA: string;
let clientA: Client;
let clientB: Client;
let modelA: string;
let renderA: string;

const rpc = (method: string, id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, params: {} });
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-http-'));
  keyA = await createKey(dataDirectory);
  readOnlyKeyA = await createKey(dataDirectory, { readOnly: true, name: 'reader' });
  await cli('accounts', 'create', '--email', 'b@example.com', '--credits', '5', '--data', dataDirectory);
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  files = await serveFiles({ 'chair.glb': 'fixtures/generated/wide.glb' });
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true });
  clientA = await connectHttp(server.url, keyA);
  clientB = await connectHttp(server.url, keyB);
});
after(async () => {
  await clientA?.close();
  await clientB?.close();
  await server?.stop();
  files?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('authentication', () => {
  test('no key, a bad key, a revoked key: HTTP 401 with the REST envelope and WWW-Authenticate', async () => {
    for (const authorization of [undefined, 'Bearer rb_sk_not-a-key', 'Basic abc']) {
      const response = await fetch(mcpUrl(server.url), { method: 'POST', headers: { ...MCP_HEADERS, ...(authorization ? { authorization } : {}) }, body: rpc('tools/list') });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      const body = (await response.json()) as any;
      assert.equal(body.error.code, 'unauthorized');
      assert.equal(body.error.status, 401);
    }
    await assert.rejects(connectHttp(server.url, 'rb_sk_not-a-key'), /401|unauthorized/i);
  });

  test('GET and DELETE /mcp: 405 (stateless server)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(mcpUrl(server.url), { method, headers: { authorization: `Bearer ${keyA}`, accept: 'text/event-stream' } });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'POST');
    }
  });

  test('tools/list over HTTP: the same tools', async () => {
    const { tools } = await clientA.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [...TOOL_NAMES].sort());
  });
});

describe('a render over HTTP: URL ingest, wait with progress, preview, signed download URLs', () => {
  test('ingest with tags, render a 1:1 black turntable, wait for it', async () => {
    const ingested = await call(clientA, 'ingest_model', { url: `${files.url}/chair.glb`, tags: ['client-acme'], title: 'Chair' });
    modelA = ingested.modelId;
    assert.equal((await call(clientA, 'list_models', { tags: ['client-acme'] })).meta.total, 1);
    const quote = await call(clientA, 'quote', { renders: [{ aspect: '1:1', bgColor: '#000000', length: 3 }] });
    assert.equal(quote.creditsRequired, 1);
    const created = await call(clientA, 'create_render', { modelId: modelA, renderSettings: { aspect: '1:1', bgColor: '#000000', length: 3 } });
    assert.deepEqual([created.status, created.credits, created.renderSettings.aspect], ['pending', 1, '1:1']);
    renderA = created.id;

    const { result, render, progress } = await waitWithProgress(clientA, renderA);
    assert.equal(render.status, 'done', JSON.stringify(render));
    const preview = await checkPreview(result);
    assert.equal(preview.width, preview.height);
    assert.ok(preview.corner.every((channel) => channel < 40), `black background, got ${preview.corner}`);
    // The system preview renders first, so this render is seen queued and then progressing.
    assert.ok(progress.length >= 2, `progress notifications over HTTP: ${progress.length}`);
  });

  test('download_render gives signed URLs that open without a key, and resource links', async () => {
    const download = await call(clientA, 'download_render', { renderId: renderA });
    const video = download.files.find((file: any) => file.name === 'video');
    const signed = (route: string) => new RegExp(`^${server.url}${route.replace('?', '\\?')}[?&]expires=\\d+&sig=[0-9a-f]{64}$`);
    assert.match(video.url, signed(`/renders/${renderA}/video`));
    assert.equal(video.path, undefined, 'no server paths over HTTP');
    assert.match(download.bundleUrl, signed(`/renders/${renderA}/bundle`));
    const fetched = await fetch(video.url);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers.get('content-type'), 'video/mp4');
    assert.equal((await fetched.arrayBuffer()).byteLength, video.size);
    assert.equal((await fetch(video.url.replace(/&sig=.*$/, ''))).status, 403, 'without its signature the URL needs a key');
    const web = download.files.find((file: any) => file.name === 'web');
    assert.match(web.url, signed(`/renders/${renderA}/video?quality=web`));
    assert.equal((await fetch(web.url)).status, 200);
    const links = (download.$result as CallToolResult).content.filter((block) => block.type === 'resource_link');
    assert.equal(links.length, download.files.length);
    const poster = await clientA.readResource({ uri: `renderbay://renders/${renderA}/poster` });
    assert.equal((poster.contents[0] as { mimeType: string }).mimeType, 'image/png');
  });
});

describe('scoping', () => {
  test("another account's ids answer like missing ones", async () => {
    assert.equal((await callError(clientB, 'get_render', { renderId: renderA })).code, 'render_not_found');
    assert.equal((await callError(clientB, 'download_render', { renderId: renderA })).code, 'render_not_found');
    assert.equal((await callError(clientB, 'get_model', { modelId: modelA })).code, 'model_not_found');
    assert.equal((await callError(clientB, 'create_render', { modelId: modelA })).code, 'model_not_found');
    assert.equal((await call(clientB, 'list_models')).meta.total, 0);
    await assert.rejects(clientB.readResource({ uri: `renderbay://renders/${renderA}/poster` }), /render_not_found/);
    assert.equal((await call(clientB, 'get_account')).email, 'b@example.com');
  });

  test('a read-only key reads but cannot write: insufficient_scope', async () => {
    const reader = await connectHttp(server.url, readOnlyKeyA);
    try {
      assert.equal((await call(reader, 'get_render', { renderId: renderA })).id, renderA);
      const refused = await callError(reader, 'create_render', { modelId: modelA });
      assert.deepEqual([refused.code, refused.status], ['insufficient_scope', 403]);
      assert.equal((await callError(reader, 'ingest_model', { url: `${files.url}/chair.glb` })).code, 'insufficient_scope');
    } finally {
      await reader.close();
    }
  });
});

describe('bad arguments over HTTP', () => {
  test('REST codes in isError results; local paths are refused', async () => {
    assert.equal((await callError(clientA, 'ingest_model', { path: path.resolve('fixtures/generated/wide.glb') })).code, 'path_not_allowed');
    assert.equal((await callError(clientA, 'upload_overlay', { path: '/tmp/x.png' })).code, 'path_not_allowed');
    assert.equal((await callError(clientA, 'download_render', { renderId: renderA, directory: '/tmp' })).code, 'path_not_allowed');
    assert.equal((await callError(clientA, 'create_render', { modelId: modelA, renderSettings: { zoom: 9 } })).code, 'invalid_settings');
    assert.equal((await callError(clientA, 'ingest_model', { url: `${files.url}/chair.glb`, renderSettings: { quality: 'ultra' } })).code, 'invalid_settings');
    assert.equal((await callError(clientA, 'ingest_model', { url: `${files.url}/missing.glb` })).code, 'download_failed');
    // Account B has 5 credits: two standard renders (8) are refused as a whole.
    const modelB = (await call(clientB, 'ingest_model', { url: `${files.url}/chair.glb` })).modelId;
    const refused = await callError(clientB, 'create_batch_renders', { renders: [{ modelId: modelB, renderSettings: { quality: 'standard' } }, { modelId: modelB, renderSettings: { quality: 'standard' } }] });
    assert.deepEqual([refused.code, refused.status], ['no_credits', 402]);
    assert.equal((await call(clientB, 'get_account')).credits, 5);
  });
});
