/**
 * Jobs, the one-call workflow, on a real server: a template's bookmarks as one stills
 * render per material variant (names "<bookmark> - <variant>", files downloadable, the
 * batch price debited), its shots as videos, `no_credits` creating nothing, another
 * account's job answering like a missing one, paging, a URL ingested first, the status rule,
 * `Prefer: wait` and the `job.complete` webhook,
 * and the MCP tools over the same service.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import sharp from 'sharp';
import { api, cli, createKey, expectError, modelForm, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { call, callError, connectHttp, serveFiles } from './helpers/mcp.js';
import { jobStatus } from '../src/workflow/job-outcome.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

const COLOURWAYS = 'fixtures/generated/colourways.glb';
const CUBE = 'fixtures/generated/textured-cube.glb';
/** One bookmark and one short shot: the smallest template that has both. */
const TEMPLATE = { name: 'Job test', settings: { bgColor: '#ffffff' }, bookmarks: ['front'], shots: [{ name: 'spin', effect: 'turntable', length: 3 }] };

let dataDirectory: string;
let server: ServerProcess;
let keyA: string;
let keyB: string;
let keyPoor: string;
let client: Client;
let templateId: string;
let colourways: string;
let cube: string;

async function upload(key: string, file: string): Promise<string> {
  const created = await api(server, key, 'POST', '/models', await modelForm(file));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.data.modelId;
}

async function waitForJob(key: string, id: string, timeoutMs = 180_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await api(server, key, 'GET', `/jobs/${id}`)).body.data;
    if (job.status === 'completed' || job.status === 'failed') return job;
    assert.ok(Date.now() < deadline, `job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-jobs-'));
  for (const [email, credits] of [['a@example.com', 100], ['b@example.com', 100], ['poor@example.com', 1]] as const) {
    await cli('accounts', 'create', '--email', email, '--credits', String(credits), '--data', dataDirectory);
  }
  keyA = await createKey(dataDirectory, { account: 'a@example.com' });
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  keyPoor = await createKey(dataDirectory, { account: 'poor@example.com' });
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true });
  client = await connectHttp(server.url, keyA);
  templateId = (await api(server, keyA, 'POST', '/templates', TEMPLATE)).body.data.id;
  colourways = await upload(keyA, COLOURWAYS);
  cube = await upload(keyA, CUBE);
});
after(async () => {
  await client?.close();
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('jobs', () => {
  test('bookmarks × variants: one stills render per variant, priced like the batch, files named and downloadable', async () => {
    const request = { modelId: colourways, templateId, renderShots: false, imageSize: '720p' };
    const settings = ['Red', 'Green', 'Blue'].map((materialVariant) => ({ modelId: colourways, renderSettings: { templateId, output: 'stills', imageSize: '720p', materialVariant } }));
    const quote = (await api(server, keyA, 'POST', '/quote', { renders: settings })).body.data;
    const before = (await api(server, keyA, 'GET', '/account')).body.data.credits;
    const created = await api(server, keyA, 'POST', '/jobs', request);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(Object.keys(created.body.data).sort(), ['id', 'status']);
    assert.equal(created.body.data.status, 'queued');
    assert.equal((await api(server, keyA, 'GET', '/account')).body.data.credits, before - quote.creditsRequired);

    const job = await waitForJob(keyA, created.body.data.id);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.renderIds.length, 3);
    const variants = await Promise.all(job.renderIds.map(async (id: string) => (await api(server, keyA, 'GET', `/renders/${id}`)).body.data.renderSettings.materialVariant));
    assert.deepEqual(variants, ['Red', 'Green', 'Blue']);
    assert.deepEqual(job.files.map((file: any) => file.name), ['front - Red', 'front - Green', 'front - Blue']);
    for (const file of job.files) {
      assert.equal(file.type, 'png');
      assert.equal(file.isVideo, false);
      const response = await fetch(`${server.url.replace(/\/v1$/, '')}${file.url}`, { headers: { authorization: `Bearer ${keyA}` } });
      assert.equal(response.status, 200);
      const image = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      assert.deepEqual([image.format, image.width, image.height], ['png', 1280, 720]);
    }
  });

  test('Prefer: wait answers with the finished job; job.complete is delivered with it', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const hook = await api(server, keyA, 'POST', '/webhooks', { url: receiver.url, events: ['job.complete', 'job.failed'] });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const request = { modelId: colourways, templateId, renderShots: false, renderVariants: false, imageSize: '720p' };
      const refused = await fetch(`${server.url}/jobs`, { method: 'POST', headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json', prefer: 'wait=0' }, body: JSON.stringify(request) });
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as any).error.code, 'invalid_prefer');
      const response = await fetch(`${server.url}/jobs`, { method: 'POST', headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json', prefer: 'wait=120' }, body: JSON.stringify(request) });
      const job = ((await response.json()) as any).data;
      assert.equal(response.status, 200, JSON.stringify(job));
      assert.equal(response.headers.get('preference-applied'), 'wait');
      assert.equal(job.status, 'completed');
      assert.deepEqual(job.files.map((file: any) => file.name), ['front - Default']);
      const deadline = Date.now() + 30_000;
      const delivered = () => receiver.requests.map((received) => JSON.parse(received.body)).find((payload) => payload.data.id === job.id);
      while (!delivered()) {
        assert.ok(Date.now() < deadline, 'job.complete delivered');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(delivered().event, 'job.complete');
      assert.deepEqual(delivered().data.renderIds, job.renderIds);
      assert.equal(receiver.requests.filter((received) => JSON.parse(received.body).data.id === job.id).length, 1, 'once per job');
    } finally {
      await receiver.close();
    }
  });
  test('shots as videos (no variants on a model without any), quality on the videos only; renderVariants false on a model with variants', async () => {
    const created = await api(server, keyA, 'POST', '/jobs', { modelId: cube, templateId, quality: 'share', imageSize: '720p' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const job = (await api(server, keyA, 'GET', `/jobs/${created.body.data.id}`)).body.data;
    assert.equal(job.renderIds.length, 2);
    const [stills, video] = await Promise.all(job.renderIds.map(async (id: string) => (await api(server, keyA, 'GET', `/renders/${id}`)).body.data.renderSettings));
    assert.deepEqual([stills.output, stills.stills, stills.materialVariant], ['stills', ['front'], undefined]);
    assert.deepEqual([video.output, video.effect, video.length, video.quality], ['video', 'turntable', 3, 'share']);

    const plain = await api(server, keyA, 'POST', '/jobs', { modelId: colourways, templateId, renderShots: false, renderVariants: false, imageSize: '720p' });
    assert.equal((await api(server, keyA, 'GET', `/jobs/${plain.body.data.id}`)).body.data.renderIds.length, 1);
  });

  test('bad input: no_credits creates nothing, unknown template/model, neither or both of modelId and url, nothing to render', async () => {
    const poorModel = await upload(keyPoor, CUBE);
    const jobsBefore = (await api(server, keyPoor, 'GET', '/jobs')).body.meta.total;
    const rendersBefore = (await api(server, keyPoor, 'GET', '/renders')).body.meta.total;
    expectError(await api(server, keyPoor, 'POST', '/jobs', { modelId: poorModel, templateId: 'studio-white-packshot' }), 402, 'no_credits');
    assert.equal((await api(server, keyPoor, 'GET', '/jobs')).body.meta.total, jobsBefore);
    assert.equal((await api(server, keyPoor, 'GET', '/renders')).body.meta.total, rendersBefore);
    assert.equal((await api(server, keyPoor, 'GET', '/account')).body.data.credits, 1);

    expectError(await api(server, keyB, 'POST', '/jobs', { modelId: cube, templateId: 'studio-white-packshot' }), 404, 'model_not_found');
    expectError(await api(server, keyB, 'POST', '/jobs', { modelId: cube, templateId }), 404, 'template_not_found');
    expectError(await api(server, keyA, 'POST', '/jobs', { templateId }), 400, 'invalid_request', /exactly one of modelId/);
    expectError(await api(server, keyA, 'POST', '/jobs', { modelId: cube, url: 'https://example.com/a.glb', templateId }), 400, 'invalid_request');
    expectError(await api(server, keyA, 'POST', '/jobs', { modelId: cube, templateId, renderBookmarks: false, renderShots: false }), 400, 'nothing_to_render');
    expectError(await api(server, keyA, 'POST', '/jobs', { modelId: cube, templateId, imageSize: 'huge' }), 400, 'invalid_settings');
  });

  test("another account's job is not found; the list pages newest first", async () => {
    const page = await api(server, keyA, 'GET', '/jobs?limit=1');
    assert.equal(page.status, 200);
    assert.equal(page.body.data.length, 1);
    assert.ok(page.body.meta.total >= 3);
    const [newest] = page.body.data;
    expectError(await api(server, keyB, 'GET', `/jobs/${newest.id}`), 404, 'job_not_found');
    expectError(await api(server, keyA, 'GET', '/jobs/nope'), 404, 'job_not_found');
    assert.equal((await api(server, keyB, 'GET', '/jobs')).body.meta.total, 0);
    const second = await api(server, keyA, 'GET', '/jobs?limit=1&offset=1');
    assert.notEqual(second.body.data[0].id, newest.id);
  });

  test('MCP: create_job and get_job over the same service', async () => {
    const created = await call(client, 'create_job', { modelId: colourways, templateId, renderShots: false, renderVariants: false, imageSize: '720p' });
    assert.equal(created.renderIds.length, 1);
    const job = await call(client, 'get_job', { jobId: created.id });
    assert.deepEqual(job.renderIds, created.renderIds);
    assert.equal((await api(server, keyA, 'GET', `/jobs/${created.id}`)).body.data.modelId, colourways);
    assert.equal((await callError(client, 'get_job', { jobId: 'nope' })).code, 'job_not_found');
  });

  test('url: the model is ingested first, then the job renders it', async () => {
    const files = await serveFiles({ 'wide.glb': 'fixtures/generated/wide.glb' });
    try {
      const created = await api(server, keyA, 'POST', '/jobs', { url: `${files.url}/wide.glb`, templateId, renderShots: false, imageSize: '720p' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const job = (await api(server, keyA, 'GET', `/jobs/${created.body.data.id}`)).body.data;
      const model = (await api(server, keyA, 'GET', `/models/${job.modelId}`)).body.data;
      assert.equal(model.originalName, 'wide.glb');
      assert.equal(job.renderIds.length, 1);
      expectError(await api(server, keyA, 'POST', '/jobs', { url: `${files.url}/missing.glb`, templateId }), 400, 'download_failed');
    } finally {
      files.close();
    }
  });

  test('status from the renders: queued, rendering, completed, failed', () => {
    assert.equal(jobStatus(['pending', 'pending']), 'queued');
    assert.equal(jobStatus(['done', 'pending']), 'rendering');
    assert.equal(jobStatus(['error', 'video-processing']), 'rendering');
    assert.equal(jobStatus(['done', 'done']), 'completed');
    assert.equal(jobStatus(['done', 'error']), 'failed');
    assert.equal(jobStatus(['failed']), 'failed');
    assert.equal(jobStatus([]), 'failed');
  });

});
