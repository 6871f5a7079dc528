/**
 * The hosted guide's four example prompts as scripted agents, over stdio (`renderbay mcp`)
 * and Streamable HTTP (`renderbay serve`), on one data directory with one account each:
 * the calls each prompt takes (onboarding 5 for any number of models, variant expansion 3,
 * dataset 4, status check 2) and the bytes of their results; tools/list within 20,500
 * bytes and scoped to the key; combined progress during a multi-render wait; delete of a
 * pending render refunds; quote flags invalid and missing models and a batch names every
 * failing item; the spending safeguard over stdio (elicitation accepted and declined);
 * render failures as log messages.
 */
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { api, cli, createKey, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { call, callError, connectHttp, connectStdio, READ_TOOL_NAMES, serveFiles, TOOL_NAMES, toolListBytes, type StdioConnection } from './helpers/mcp.js';
import { catalogOnboarding, CountingAgent, datasetGeneration, statusCheck, variantExpansion } from './helpers/mcp-prompts.js';

const TOOL_LIST_BUDGET = 20_000;
const CREDITS = 200;
/** Above this the stdio server asks before spending: the 16-credit datasets ask, the 1-credit turntables do not. */
const CONFIRM_ABOVE = 10;

let dataDirectory: string;
let server: ServerProcess;
let stdio: StdioConnection;
let httpClient: Client;
let files: Awaited<ReturnType<typeof serveFiles>>;
let writeKey: string;
let readKey: string;
let elicitAnswer: ElicitResult = { action: 'accept', content: { confirm: true } };
const elicitations: string[] = [];
const logMessages: string[] = [];

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-prompts-'));
  await cli('accounts', 'create', '--email', 'agent@example.com', '--credits', String(CREDITS), '--data', dataDirectory);
  writeKey = await createKey(dataDirectory, { account: 'agent@example.com' });
  readKey = await createKey(dataDirectory, { account: 'agent@example.com', readOnly: true, name: 'reader' });
  files = await serveFiles({
    'chair.glb': 'fixtures/generated/wide.glb',
    'lamp.glb': 'fixtures/generated/tall.glb',
    'crate.glb': 'fixtures/generated/offcentre.glb',
    'broken.glb': 'fixtures/generated/bad-no-meshes.glb',
    'gradient.png': 'fixtures/generated/overlay-quadrants-tall.png',
  });
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true, env: { RENDERBAY_INITIAL_CREDITS: String(CREDITS) } });
  httpClient = await connectHttp(server.url, writeKey);
  stdio = await connectStdio(dataDirectory, {
    args: ['--allow-private-urls', '--confirm-above', String(CONFIRM_ABOVE)],
    env: { RENDERBAY_INITIAL_CREDITS: String(CREDITS) },
    capabilities: { elicitation: {} },
  });
  stdio.client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicitations.push(request.params.message);
    return elicitAnswer;
  });
  stdio.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logMessages.push(`${notification.params.level}: ${String(notification.params.data)}`);
  });
});
after(async () => {
  await stdio?.client.close();
  await httpClient?.close();
  await server?.stop();
  files?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('tools/list', () => {
  test(`write key: every tool within ${TOOL_LIST_BUDGET} bytes, no local-path argument over HTTP; read-only key: the read tools`, async (t) => {
    const { tools } = await httpClient.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [...TOOL_NAMES].sort());
    const bytes = await toolListBytes(httpClient);
    t.diagnostic(`tools/list: ${bytes} B for a write key over HTTP (${tools.length} tools), ${await toolListBytes(stdio.client)} B over stdio`);
    assert.ok(bytes <= TOOL_LIST_BUDGET, `tools/list is ${bytes} bytes`);
    for (const tool of tools) {
      const names = Object.keys(tool.inputSchema.properties ?? {});
      assert.ok(!names.includes('path') && !names.includes('directory'), `${tool.name} advertises a local path over HTTP`);
    }
    // One copy of the settings schema in the whole list (create_render's); the other tools point to it.
    assert.equal(JSON.stringify(tools).split('"bgAlign"').length - 1, 1, 'the settings schema appears once');
    const create = tools.find((tool) => tool.name === 'create_render')!;
    assert.ok((create.inputSchema.properties as any).renderSettings.properties.quality.enum.includes('4k'));

    const reader = await connectHttp(server.url, readKey);
    try {
      const readTools = (await reader.listTools()).tools;
      assert.deepEqual(readTools.map((tool) => tool.name).sort(), [...READ_TOOL_NAMES].sort());
      assert.ok(readTools.every((tool) => tool.annotations?.readOnlyHint === true || ['export_usdz', 'download_render'].includes(tool.name)));
      // Hidden is not a way around scopes: a write tool called anyway is refused as before.
      assert.equal((await callError(reader, 'delete_model', { modelId: 'x' })).code, 'insufficient_scope');
    } finally {
      await reader.close();
    }

    const local = (await stdio.client.listTools()).tools;
    assert.ok(Object.keys(local.find((tool) => tool.name === 'ingest_model')!.inputSchema.properties ?? {}).includes('path'), 'stdio offers path');
  });

  test('the settings reference is a resource; prompts are listed', async () => {
    const docs = await httpClient.readResource({ uri: 'renderbay://docs/render-settings' });
    const text = (docs.contents[0] as { text: string }).text;
    for (const field of ['bgImageId', 'datasetQuality', 'coverage', 'vignette']) assert.match(text, new RegExp(`\\| \`${field}\` \\|`));
    assert.match(text, /`error`.*refunded.*dismiss_render.*`failed`/s);
    const { prompts } = await stdio.client.listPrompts();
    assert.deepEqual(prompts.map((prompt) => prompt.name).sort(), ['catalog_onboarding', 'dataset_generation', 'status_check', 'variant_expansion']);
    const onboarding = await stdio.client.getPrompt({ name: 'catalog_onboarding', arguments: { urls: 'https://a/x.glb https://b/y.glb', tags: 'client-acme' } });
    assert.match((onboarding.messages[0].content as { text: string }).text, /ingest_model with urls \["https:\/\/a\/x.glb","https:\/\/b\/y.glb"\]/);
  });
});

for (const transport of ['stdio', 'http'] as const) {
  describe(`the four example prompts over ${transport}`, () => {
    let agent: CountingAgent;
    let client: Client;
    let overlayId: string;
    const figures: Record<string, { calls: number; bytes: number }> = {};
    before(() => {
      client = transport === 'stdio' ? stdio.client : httpClient;
      agent = new CountingAgent(client);
    });
    after(() => console.log(`${transport}: ${JSON.stringify(figures)}`));

    test('catalog onboarding, 2 models × 2 variants: ingest, quote, batch, one wait with combined progress, download', async () => {
      // The variants differ only in background, so each model renders once and the test stays short
      // (npm run bench:mcp runs the guide's 16:9 white and 1:1 black for 3 models).
      const run = await catalogOnboarding(agent, [`${files.url}/chair.glb`, `${files.url}/lamp.glb`], [
        { aspect: '16:9', bgColor: '#ffffff', length: 3 },
        { aspect: '16:9', bgColor: '#000000', length: 3 },
      ]);
      figures.onboarding = { calls: run.calls, bytes: run.bytes, sizes: run.sizes } as any;
      const waits = run.tools.filter((name) => name === 'wait_for_renders').length;
      assert.deepEqual(run.tools.filter((name) => name !== 'wait_for_renders'), ['ingest_model', 'quote', 'create_batch_renders', 'download_render']);
      // Five calls whenever the renders finish within one 50 s wait (each further wait is one more call on a slow machine).
      assert.equal(run.calls, 4 + waits);
      assert.equal(run.quote.creditsRequired, 4);
      assert.ok(run.waited.renders.every((render) => render.status === 'done'), JSON.stringify(run.waited.renders));
      assert.equal(run.files.renders.length, 4);
      for (const render of run.files.renders) assert.ok(render.files.some((file: any) => file.fileName === 'video.mp4'));
      // One combined progress stream: total = 4 renders, rising, ending at 4 of 4.
      const { progress } = run.waited;
      // Each call has its own stream over the renders it waits for (a further call waits only for the unfinished ones), rising with every notification.
      assert.ok(progress.flat().length >= 2, `progress notifications: ${progress.flat().length}`);
      assert.ok(progress[0].every((update) => update.total === 4));
      for (const stream of progress) assert.ok(stream.every((update, index) => index === 0 || update.progress > stream[index - 1].progress), JSON.stringify(stream));
      // The server sends the final 4/4 too, but the SDK client may settle the call before it handles a
      // notification that arrives right before the response (it handles notifications a tick later), so the last one seen may be just under.
      const last = progress.at(-1)!.at(-1)!;
      assert.ok(last.progress <= last.total!);
      assert.match(last.message ?? '', /^\d+\/\d+ finished/);
      // The bytes an agent reads: under 15 KB with one wait (each further wait on a slow machine adds one wait result).
      // Over HTTP download_render gives a signed URL per file (clickable in a chat), about 1.1 KB more than stdio's paths.
      const waitSizes = run.sizes.filter((_, index) => run.tools[index] === 'wait_for_renders');
      assert.ok(Math.max(...waitSizes) < 4_000, `wait results: ${waitSizes}`);
      assert.ok(run.bytes - waitSizes.slice(1).reduce((sum, size) => sum + size, 0) < 15_000, `onboarding results: ${run.sizes}`);
    });

    test('variant expansion: 3 calls, models that already have a 9:16 are skipped', async () => {
      // An agent on HTTP cannot name a local file: the overlay comes inline (stdio here) or from a URL (HTTP here).
      const image = await readFile('fixtures/generated/overlay-quadrants-tall.png');
      const source = transport === 'stdio' ? { base64: image.toString('base64'), filename: 'gradient.png' } : { url: `${files.url}/gradient.png` };
      const overlay = await call(client, 'upload_overlay', { ...source, name: 'Acme gradient' });
      assert.deepEqual([overlay.layer, overlay.name], ['background', 'Acme gradient']);
      overlayId = overlay.id;
      const [chair] = (await call(client, 'list_models', { tags: ['client-acme'] })).models.filter((model: any) => model.originalName === 'chair.glb');
      // Long enough to be still rendering when the status check deletes it.
      await call(client, 'create_render', { modelId: chair.id, renderSettings: { aspect: '9:16', length: 30 } });
      const run = await variantExpansion(agent, overlayId);
      figures.variantExpansion = { calls: run.calls, bytes: run.bytes };
      assert.equal(run.calls, 3);
      assert.deepEqual(run.skipped, [chair.id]);
      assert.equal(run.renderIds.length, 1);
      assert.ok(run.bytes < 6_000, `variant expansion results: ${run.bytes} bytes`);
    });

    test('status check: 2 calls; deleting the pending renders refunds them', async () => {
      const run = await statusCheck(agent);
      figures.statusCheck = { calls: run.calls, bytes: run.bytes };
      assert.equal(run.calls, 2);
      assert.equal(run.pending.length, 2, JSON.stringify(run.pending));
      assert.ok(run.pending.every((render) => render.aspect === '9:16' && !render.is_system_preview && typeof render.modelTitle === 'string'));
      if (transport === 'http') {
        // REST takes the same filters (comma-separated) through the same query.
        const rest = await api(server, writeKey, 'GET', '/renders?status=active,error&tags=client-acme&aspect=9:16');
        assert.deepEqual(rest.body.data.map((render: any) => render.id).sort(), run.pending.map((render) => render.id).sort());
        assert.equal((await api(server, writeKey, 'GET', '/renders?status=later')).body.error.code, 'invalid_request');
      }
      for (const render of run.pending) await call(client, 'delete_render', { renderId: render.id });
      assert.equal((await call(client, 'get_account')).credits, CREDITS - 4, 'the two 9:16 renders were refunded');
      assert.equal((await call(client, 'list_renders', { status: ['active'] })).meta.total, 0);
    });

    test('dataset generation: 4 calls (quote first); the datasets are deleted again with a refund', async () => {
      await call(client, 'ingest_model', { url: `${files.url}/crate.glb`, tags: ['training-batch-7'] });
      const asked = elicitations.length;
      const run = await datasetGeneration(agent);
      figures.dataset = { calls: run.calls, bytes: run.bytes };
      assert.equal(run.calls, 4);
      assert.equal(run.quote.creditsRequired, 16);
      assert.equal(elicitations.length - asked, transport === 'stdio' ? 1 : 0, 'stdio asks before spending 16 credits');
      if (transport === 'stdio') assert.match(elicitations.at(-1)!, /16 credits/);
      for (const id of run.renderIds) await call(client, 'delete_render', { renderId: id });
      assert.equal((await call(client, 'get_account')).credits, CREDITS - 4);
      // Re-importing with another tag adds it (the model keeps training-batch-7).
      const again = await call(client, 'ingest_model', { url: `${files.url}/crate.glb`, tags: ['Client-Acme'] });
      assert.deepEqual([again.duplicate, [...again.model.tags].sort()], [true, ['client-acme', 'training-batch-7']]);
    });

    test('quote flags invalid and missing models per item; a batch names every failing item', async () => {
      const broken = await call(client, 'ingest_model', { url: `${files.url}/broken.glb` });
      assert.equal(broken.model.status, 'invalid');
      const [good] = (await call(client, 'list_models', { tags: ['training-batch-7'] })).models;
      const items = [
        { modelId: good.id, renderSettings: { quality: 'standard' } },
        { modelId: broken.modelId },
        { modelId: 'no-such-model' },
      ];
      const quote = await call(client, 'quote', { renders: items });
      assert.deepEqual(quote.problems.map((problem: any) => [problem.index, problem.code]), [[1, 'invalid_model'], [2, 'model_not_found']]);
      assert.equal(quote.breakdown[0].problem, undefined);
      const refused = await callError(client, 'create_batch_renders', { renders: [...items, { modelId: good.id, renderSettings: { zoom: 9 } }] });
      assert.match(refused.message, /renders\[1\]: .*renders\[2\]: .*renders\[3\]: .*zoom/);
      assert.equal((await call(client, 'get_account')).credits, CREDITS - 4);
    });
  });
}

describe('stdio extras', () => {
  test('spending safeguard: declined confirmations create nothing; an accepted one creates the renders; small spends are not asked', async () => {
    const [model] = (await call(stdio.client, 'list_models', { tags: ['training-batch-7'] })).models;
    const before = await call(stdio.client, 'get_account');
    const total = (await call(stdio.client, 'list_renders', {})).meta.total;
    const threeStandard = Array.from({ length: 3 }, () => ({ modelId: model.id, renderSettings: { quality: 'standard', length: 3 } }));
    const asked = elicitations.length;
    elicitAnswer = { action: 'decline' };
    assert.equal((await callError(stdio.client, 'create_render', { modelId: model.id, renderSettings: { quality: '4k', length: 3 } })).code, 'not_confirmed');
    assert.equal((await callError(stdio.client, 'create_batch_renders', { renders: threeStandard })).code, 'not_confirmed');
    assert.equal(elicitations.length, asked + 2);
    assert.match(elicitations.at(-1)!, /12 credits.*3 × standard/);
    assert.equal((await call(stdio.client, 'list_renders', {})).meta.total, total, 'nothing was created');
    assert.equal((await call(stdio.client, 'get_account')).credits, before.credits);

    elicitAnswer = { action: 'accept', content: { confirm: true } };
    const created = await call(stdio.client, 'create_batch_renders', { renders: threeStandard });
    const small = await call(stdio.client, 'create_render', { modelId: model.id, renderSettings: { length: 3 } });
    assert.equal(elicitations.length, asked + 3, 'the 1-credit render was not asked about');
    assert.equal((await call(stdio.client, 'get_account')).credits, before.credits - 13);
    for (const id of [...created.renders.map((render: any) => render.id), small.id]) await call(stdio.client, 'delete_render', { renderId: id });
    assert.equal((await call(stdio.client, 'get_account')).credits, before.credits);
  });

  test('a render failure reaches the client as a log message', async () => {
    const deadline = Date.now() + 10_000;
    while (!logMessages.some((message) => message.startsWith('error: ') && message.includes('invalid_model')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(logMessages.some((message) => /^error: Render \S+ of model \S+ failed \(invalid_model/.test(message)), JSON.stringify(logMessages));
  });
});
