/**
 * Generation end to end on a real server: providers are local servers on 127.0.0.1 that
 * answer as OpenAI, Meshy and Runway document (test/helpers/provider-servers.ts). A prompt
 * becomes a normal Renderbay model (validated, preview rendered, USDZ) through the stages
 * initializing → generating_image → generating_3d → converting_usdz → complete; a provider
 * failure, a broken GLB and a result URL at a private address each fail the job with a
 * reason and a refund; restyles produce a JPEG or an MP4; without providers every
 * generative call is refused with provider_not_configured (503) naming the variable.
 * The server runs without --allow-private-urls: only the configured provider addresses pass the guard.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { recordCreditChange } from '../src/credits/ledger.js';
import { openDatabase } from '../src/db/database.js';
import { deleteExpiredGenerations } from '../src/generation/generation-retention.js';
import { FileStore } from '../src/storage/file-store.js';
import { api, cli, createKey, expectError, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { callError, connectHttp, connectStdio, toolListBytes } from './helpers/mcp.js';
import { API_KEY, providerEnvironment, startMeshy, startOpenAiImages, startRunway, testPicture, type ProviderServer } from './helpers/provider-servers.js';

const CREDITS = 1000;
const STAGES = ['initializing', 'generating_image', 'generating_3d', 'converting_usdz', 'complete'];
let images: ProviderServer;
let meshy: ProviderServer;
let runway: ProviderServer;
let dataDirectory: string;
let bareDirectory: string;
let server: ServerProcess;
let bare: ServerProcess;
let key: string;
let bareKey: string;
let mcp: Client;

async function makeAccount(directory: string): Promise<string> {
  await cli('accounts', 'create', '--email', 'maker@example.com', '--credits', String(CREDITS), '--data', directory);
  return createKey(directory, { account: 'maker@example.com' });
}

before(async () => {
  [images, meshy, runway] = await Promise.all([startOpenAiImages(), startMeshy(), startRunway()]);
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'generation-'));
  bareDirectory = await mkdtemp(path.join(os.tmpdir(), 'generation-bare-'));
  [key, bareKey] = await Promise.all([makeAccount(dataDirectory), makeAccount(bareDirectory)]);
  [server, bare] = await Promise.all([
    startServerProcess(dataDirectory, { env: providerEnvironment({ images, meshy, runway }) }),
    startServerProcess(bareDirectory, {}),
  ]);
  mcp = await connectHttp(server.url, key);
});
after(async () => {
  await mcp?.close();
  await Promise.all([server?.stop(), bare?.stop()]);
  await Promise.all([images, meshy, runway].map((provider) => provider?.close()));
  await Promise.all([dataDirectory, bareDirectory].map((directory) => directory && rm(directory, { recursive: true, force: true })));
});

function script(changes: Partial<ProviderServer['script']>): void {
  for (const provider of [images, meshy, runway]) Object.assign(provider.script, { rateLimited: 0, outcome: 'succeed', pollsBeforeDone: 1, delayMs: 0 }, changes);
}

async function credits(): Promise<number> {
  return (await api(server, key, 'GET', '/account')).body.data.credits;
}

/** Polls GET /v1/<kind>/:id until it finishes (deadline-based), recording the stages seen. */
async function waitFor(kind: 'generations' | 'restyles', id: string, timeoutMs = 180_000): Promise<{ item: any; stages: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const stages: string[] = [];
  for (;;) {
    const { body } = await api(server, key, 'GET', `/${kind}/${id}`);
    const item = body.data;
    if (item.stage && stages.at(-1) !== item.stage) stages.push(item.stage);
    if (['complete', 'error', 'completed', 'failed'].includes(item.status)) return { item, stages };
    assert.ok(Date.now() < deadline, `${kind} ${id} still ${item.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('with providers configured', () => {
  test('GET /v1/providers: every capability, its adapter, configured — and never a key', async () => {
    const { status, body } = await api(server, key, 'GET', '/providers');
    assert.equal(status, 200);
    assert.deepEqual(
      body.data.map((entry: any) => [entry.capability, entry.adapter, entry.configured]),
      [['text-to-image', 'openai', true], ['image-to-3d', 'meshy', true], ['image-to-image', 'openai', true], ['image-to-video', 'runway', true]],
    );
    assert.ok(!JSON.stringify(body).includes(API_KEY));
    assert.equal((await api(server, null, 'GET', '/providers')).status, 401);
  });

  test('MCP generate_model: progress by stage in order; the result is a normal model with a preview, its image a JPEG, its USDZ; 20 credits', async () => {
    script({ delayMs: 400 });
    const before = await credits();
    const { tools } = await mcp.listTools();
    assert.ok(tools.some((tool) => tool.name === 'generate_model') && tools.some((tool) => tool.name === 'restyle_image'));
    assert.ok((await toolListBytes(mcp)) <= 20_000, `tools/list is ${await toolListBytes(mcp)} bytes with the generative tools`);

    const messages: string[] = [];
    let result: any;
    let generationId: string | undefined;
    const deadline = Date.now() + 240_000;
    do {
      const answer = (await mcp.callTool(
        { name: 'generate_model', arguments: generationId ? { id: generationId } : { prompt: 'A futuristic robot cat with glowing blue eyes' } },
        undefined,
        { onprogress: (progress) => messages.push(progress.message ?? ''), timeout: 120_000 },
      )) as CallToolResult;
      assert.ok(!answer.isError, JSON.stringify(answer.content));
      result = answer.structuredContent;
      generationId = result.id;
    } while (result.status !== 'complete' && result.status !== 'error' && Date.now() < deadline);
    assert.equal(result.status, 'complete', JSON.stringify(result));
    const stages = messages.map((message) => message.split(',')[0]).filter((stage, index, all) => stage !== all[index - 1]);
    assert.deepEqual(stages, STAGES, messages.join(' | '));
    const percents = messages.map((message) => Number(/(\d+)%/.exec(message)![1]));
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'progress only rises');

    const generation = (await api(server, key, 'GET', `/generations/${generationId}`)).body.data;
    assert.deepEqual([generation.status, generation.stage, generation.progress, generation.error], ['complete', 'complete', 100, null]);
    assert.equal(generation.prompt, 'A futuristic robot cat with glowing blue eyes');
    const model = (await api(server, key, 'GET', `/models/${generation.modelId}`)).body.data;
    assert.equal(model.status, 'valid');
    assert.ok(model.renders.some((render: any) => render.isSystemPreview && render.status === 'done'), 'the preview rendered');
    assert.equal(model.originalName, 'a-futuristic-robot-cat-with-glowing.glb');

    const image = await fetch(`${server.url}/generations/${generationId}/image`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(image.headers.get('content-type'), 'image/jpeg');
    const jpeg = Buffer.from(await image.arrayBuffer());
    const { width, height, format } = await sharp(jpeg).metadata();
    assert.deepEqual([format, width, height], ['jpeg', 96, 64]);
    const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0] > 150 && data[2] < 100, 'the provider’s picture (red on the left)');
    const usdz = await fetch(`${server.url}/models/${generation.modelId}/usdz`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(usdz.status, 200);
    assert.equal(Buffer.from(await usdz.arrayBuffer()).subarray(0, 2).toString(), 'PK');
    assert.equal(await credits(), before - 20);
  });

  for (const [outcome, reason] of [
    ['fail', /meshy: task .* failed: The image does not show an object/],
    ['broken', /GLB|glTF|model/i],
    ['private', /Refusing to connect to 127\.0\.0\.2/],
  ] as const) {
    test(`a ${outcome === 'fail' ? 'provider failure' : outcome === 'broken' ? 'broken GLB' : 'model URL at a private address'} fails the generation with the reason and refunds it`, async () => {
      script({});
      meshy.script.outcome = outcome;
      const before = await credits();
      const started = await api(server, key, 'POST', '/generations', { prompt: 'a chair' });
      assert.equal(started.status, 201);
      assert.equal(await credits(), before - 20, 'reserved at the start');
      const { item } = await waitFor('generations', started.body.data.id);
      assert.deepEqual([item.status, item.stage, item.progress], ['error', 'error', 0]);
      assert.match(item.error, reason);
      assert.equal(await credits(), before, 'refunded');
    });
  }

  test('restyles: refine → a JPEG (10 credits), video → an MP4 (40 credits), a provider error → failed and refunded', async () => {
    script({});
    const imageBase64 = (await testPicture()).toString('base64');
    const before = await credits();
    const refine = await api(server, key, 'POST', '/restyles', { kind: 'refine', imageBase64, prompt: 'warm evening light', architecturalStyle: 'Modern' });
    assert.equal(refine.status, 201, JSON.stringify(refine.body));
    const video = await api(server, key, 'POST', '/restyles', { kind: 'video', imageBase64, prompt: 'slow orbit' });
    const refined = (await waitFor('restyles', refine.body.data.id)).item;
    const animated = (await waitFor('restyles', video.body.data.id)).item;
    assert.deepEqual([refined.status, refined.creditsUsed, refined.output.contentType], ['completed', 10, 'image/jpeg']);
    assert.deepEqual([animated.status, animated.creditsUsed, animated.output.contentType], ['completed', 40, 'video/mp4']);
    const jpeg = Buffer.from(await (await fetch(`${server.url}/restyles/${refined.id}/output`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
    assert.equal((await sharp(jpeg).metadata()).format, 'jpeg');
    const mp4 = Buffer.from(await (await fetch(`${server.url}/restyles/${animated.id}/output`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
    assert.equal(mp4.subarray(4, 8).toString(), 'ftyp');
    assert.equal(await credits(), before - 50);

    script({ outcome: 'fail' });
    const failing = await api(server, key, 'POST', '/restyles', { kind: 'enhance', imageBase64 });
    const failed = (await waitFor('restyles', failing.body.data.id)).item;
    assert.deepEqual([failed.status, failed.creditsUsed, failed.output], ['failed', 0, null]);
    assert.match(failed.error, /openai: .*HTTP 400: Invalid image file/);
    assert.equal(await credits(), before - 50);
    expectError(await api(server, key, 'POST', '/restyles', { kind: 'sketch', imageBase64 }), 400, 'invalid_request', /kind must be one of/);
    expectError(await api(server, key, 'POST', '/restyles', { kind: 'refine', imageBase64: Buffer.from('not an image').toString('base64') }), 400, 'invalid_request', /JPEG, PNG or WebP/);
  });
});

describe('spending confirmation over stdio', () => {
  test('generate_model and restyle_image above --confirm-above ask first; declined, nothing is sent to a provider or charged', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'generation-stdio-'));
    const stdio = await connectStdio(directory, {
      args: ['--confirm-above', '5'],
      env: { ...(providerEnvironment({ images, meshy, runway }) as Record<string, string>), RENDERBAY_INITIAL_CREDITS: String(CREDITS) },
      capabilities: { elicitation: {} },
    });
    const asked: string[] = [];
    stdio.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: 'decline' };
    });
    try {
      const before = [images, meshy, runway].map((provider) => provider.requests.length);
      const generation = await callError(stdio.client, 'generate_model', { prompt: 'a ceramic vase' });
      assert.equal(generation.code, 'not_confirmed');
      assert.match(asked.at(-1)!, /20 credits\? \(1 × generation/);
      const restyle = await callError(stdio.client, 'restyle_image', { kind: 'refine', image: (await testPicture()).toString('base64') });
      assert.equal(restyle.code, 'not_confirmed');
      assert.match(asked.at(-1)!, /10 credits\? \(1 × refine restyle/);
      assert.deepEqual([images, meshy, runway].map((provider) => provider.requests.length), before, 'no provider was called');
    } finally {
      await stdio.client.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('a server that stopped mid-job', () => {
  test('a generation whose runner stopped beating is failed with a reason and refunded when next read', async () => {
    const db = openDatabase(dataDirectory);
    const before = await credits();
    try {
      // As a killed server leaves it: reserved, processing, its heartbeat two minutes old.
      const account = (db.prepare("SELECT id FROM accounts WHERE email = 'maker@example.com'").get() as { id: string }).id;
      db.transaction(() => {
        recordCreditChange(db, account, -20, 'debit', 'orphan-generation');
        db.prepare(
          `INSERT INTO generations (id, account_id, prompt, status, stage, progress, credits, heartbeat_at, created_at, updated_at)
           VALUES ('orphan-generation', ?, 'a lamp', 'processing', 'generating_3d', 40, 20, ?, ?, ?)`,
        ).run(account, Date.now() - 120_000, new Date().toISOString(), new Date().toISOString());
      })();
    } finally {
      db.close();
    }
    assert.equal(await credits(), before - 20);
    const item = (await api(server, key, 'GET', '/generations/orphan-generation')).body.data;
    assert.deepEqual([item.status, item.stage, item.progress], ['error', 'error', 0]);
    assert.match(item.error, /Interrupted/);
    assert.equal(await credits(), before, 'refunded');
  });
});

describe('retention', () => {
  test('finished generations and restyles older than retentionDays are deleted with their images and outputs; the model stays', async () => {
    // The sweep the job engine runs hourly with --retention-days, on the server's own data directory.
    const db = openDatabase(dataDirectory);
    try {
      const context = { db, store: new FileStore(dataDirectory) };
      const finished = db.prepare("SELECT id, image_key, model_id FROM generations WHERE status = 'complete'").get() as { id: string; image_key: string; model_id: string };
      assert.ok(context.store.has(finished.image_key));
      assert.equal(deleteExpiredGenerations(context, 30).deleted, 0, 'nothing is old yet');
      db.prepare('UPDATE generations SET updated_at = ?').run(new Date(Date.now() - 40 * 86_400_000).toISOString());
      db.prepare('UPDATE restyles SET updated_at = ?').run(new Date(Date.now() - 40 * 86_400_000).toISOString());
      const { deleted, bytes } = deleteExpiredGenerations(context, 30);
      assert.ok(deleted >= 7 && bytes > 0, `deleted ${deleted}, freed ${bytes} bytes`);
      assert.ok(!context.store.has(finished.image_key), 'the image is gone');
      expectError(await api(server, key, 'GET', `/generations/${finished.id}`), 404, 'generation_not_found');
      assert.equal((await api(server, key, 'GET', `/models/${finished.model_id}`)).body.data.status, 'valid');
    } finally {
      db.close();
    }
  });
});

describe('without providers', () => {
  test('every generative call answers 503 provider_not_configured naming the variable; nothing is charged; quote prices them', async () => {
    const listed = (await api(bare, bareKey, 'GET', '/providers')).body.data;
    assert.ok(listed.every((entry: any) => entry.configured === false && entry.adapter === null && entry.missing.length === 1));
    const imageBase64 = (await testPicture()).toString('base64');
    expectError(await api(bare, bareKey, 'POST', '/generations', { prompt: 'a chair' }), 503, 'provider_not_configured', /^set RENDERBAY_PROVIDER_TEXT_TO_IMAGE to openai or xai/);
    expectError(await api(bare, bareKey, 'POST', '/generations', { imageBase64 }), 503, 'provider_not_configured', /^set RENDERBAY_PROVIDER_IMAGE_TO_3D to meshy/);
    expectError(await api(bare, bareKey, 'POST', '/restyles', { kind: 'staging', imageBase64 }), 503, 'provider_not_configured', /RENDERBAY_PROVIDER_IMAGE_TO_IMAGE/);
    expectError(await api(bare, bareKey, 'POST', '/restyles', { kind: 'video', imageBase64 }), 503, 'provider_not_configured', /RENDERBAY_PROVIDER_IMAGE_TO_VIDEO/);
    assert.equal((await api(bare, bareKey, 'GET', '/account')).body.data.credits, CREDITS);
    const quote = (await api(bare, bareKey, 'POST', '/quote', { renders: [{ generation: 'model' }, { restyle: 'video' }, { quality: 'standard' }] })).body.data;
    assert.deepEqual(quote.breakdown, [{ generation: 'model', credits: 20 }, { restyle: 'video', credits: 40 }, { quality: 'standard', credits: 4 }]);
    expectError(await api(bare, bareKey, 'GET', '/generations/nope'), 404, 'generation_not_found');
  });
});
