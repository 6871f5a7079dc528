/**
 * The Glossi-compatible API against a real `renderbay serve`: the Glossi document's
 * workflow, steps 2.1 → 6, sent with curl in the document's shapes (only the base URL and
 * the key changed), down to the rendered files (a 720p PNG still and the web MP4 of a 960×540
 * shot), its webhooks (verified with the document's snippet), and the retry of a FAILED job
 * (its render worker killed); and its bad input —
 * tampered, expired and reused upload URLs, a PUT of a non-model or of more than 100 MB,
 * confirm before upload, unknown and other accounts' projects, templates and jobs (404),
 * a missing key — and upload URLs built from --public-url, never from the Host header.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { api, cli, createKey, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { curl, type CurlResult } from './helpers/curl.js';
import { rendererWorkers, waitUntil } from './helpers/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';
import crypto from 'node:crypto';
import { openDatabase } from '../src/db/database.js';
import { LIMITS } from '../src/limits.js';

const run = promisify(execFile);
const CUBE = path.resolve('fixtures/generated/textured-cube.glb');
const NOT_A_MODEL = path.resolve('fixtures/generated/bad-random.glb');
/** The smallest template with a bookmark and a shot: one still, one 3 s video. */
const TEMPLATE = { name: 'Glossi test', settings: { bgColor: '#ffffff' }, bookmarks: ['front'], shots: [{ name: 'spin', effect: 'turntable', length: 3 }] };

let dataDirectory: string;
let server: ServerProcess;
let glossi: string;
let keyA: string;
let keyB: string;
let templateId: string;
/** The READY project of the workflow test (the retry test renders it again). */
let workflowProject: string;
let workflowModel: string;
/** Step 6's receiver and the secret PUT /api/v1/webhooks gave. */
let receiver: WebhookReceiver;
let webhookSecret: string;

/** The document's snippet, as published ("Verify Webhook Signatures"). */
function verifyWebhook(payload: unknown, signature: string, secret: string): boolean {
  const expected = crypto.createHmac('sha256', secret).update(JSON.stringify(payload)).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

/** The deliveries of `event` so far, each checked with the document's snippet. */
function received(event: string): any[] {
  return receiver.requests
    .map((request) => ({ payload: JSON.parse(request.body), signature: String(request.headers['x-glossi-signature']) }))
    .filter(({ payload }) => payload.event === event)
    .map(({ payload, signature }) => {
      assert.ok(verifyWebhook(payload, signature, webhookSecret), `${event} is signed as Glossi signs`);
      assert.equal(verifyWebhook(payload, signature, `${webhookSecret}x`), false);
      return payload;
    });
}

const withKey = (key: string) => ['-H', `X-API-Key: ${key}`];
const json = (body: unknown) => ['-H', 'Content-Type: application/json', '-d', JSON.stringify(body)];

function expectGlossiError(result: CurlResult, status: number, code: string): void {
  assert.equal(result.status, status, result.text);
  assert.equal(result.body.code, code, result.text);
  assert.equal(typeof result.body.error, 'string');
}

/** 2.1 → 2.2: a model record and its uploaded file; returns the record's id and upload URL. */
async function createRecord(key: string, fileName = 'product.glb'): Promise<{ modelId: string; uploadUrl: string }> {
  const created = await curl('-X', 'POST', `${glossi}/api/v1/models`, ...withKey(key), ...json({ models: [{ name: 'My Product', fileName, fileType: 'glb' }] }));
  assert.equal(created.status, 200, created.text);
  return created.body.models[0];
}

const put = (url: string, file: string) => curl('-X', 'PUT', url, '-H', 'Content-Type: model/gltf-binary', '--data-binary', `@${file}`);

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-glossi-'));
  for (const email of ['a@example.com', 'b@example.com']) await cli('accounts', 'create', '--email', email, '--credits', '100', '--data', dataDirectory);
  keyA = await createKey(dataDirectory, { account: 'a@example.com' });
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  // One attempt per render: a render whose worker is killed fails at once (the retry test).
  receiver = await startWebhookReceiver();
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true, env: { RENDERBAY_MAX_RENDER_ATTEMPTS: '1' } });
  glossi = server.url.replace(/\/v1$/, '/compat/glossi');
  templateId = (await api(server, keyA, 'POST', '/templates', TEMPLATE)).body.data.id;
});
after(async () => {
  await server?.stop();
  await receiver?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('Glossi workflow, steps 2.1 → 6 with curl', () => {
  test('upload, confirm, wait, template, project, render, poll, download', async () => {
    // 2.1 Create the model record
    const created = await curl('-X', 'POST', `${glossi}/api/v1/models`, ...withKey(keyA), ...json({ models: [{ name: 'My Product', fileName: 'product.glb', fileType: 'glb' }] }));
    assert.equal(created.status, 200, created.text);
    const [record] = created.body.models;
    assert.equal(record.name, 'My Product');
    assert.ok(record.uploadUrl.startsWith(`${glossi}/uploads/`), record.uploadUrl);
    assert.match(record.uploadKey, /product\.glb$/);

    // 2.2 Upload the file (no API key)
    const uploaded = await put(record.uploadUrl, CUBE);
    assert.equal(uploaded.status, 200, uploaded.text);
    assert.equal(uploaded.text, '');

    // 2.3 Confirm the upload
    const confirmed = await curl('-X', 'POST', `${glossi}/api/v1/models/${record.modelId}/confirm`, ...withKey(keyA), ...json({ fileType: 'glb' }));
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(confirmed.body.modelId, record.modelId);
    assert.ok(['ANALYZING', 'READY'].includes(confirmed.body.status), confirmed.text);
    assert.equal(confirmed.body.filePath, record.uploadKey);

    // 2.4 Wait for model processing
    const deadline = Date.now() + 120_000;
    let status: CurlResult;
    for (;;) {
      status = await curl('-X', 'POST', `${glossi}/api/v1/models/status`, ...withKey(keyA), ...json({ modelIds: [record.modelId] }));
      assert.equal(status.status, 200, status.text);
      if (status.body.allReady) break;
      assert.ok(Date.now() < deadline, status.text);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.deepEqual(status.body, { models: [{ modelId: record.modelId, name: 'My Product', status: 'READY', ready: true }], allReady: true, notFound: [] });

    // Finding available templates, and the filters
    const templates = await curl(`${glossi}/api/v1/templates`, ...withKey(keyA));
    assert.equal(templates.status, 200);
    const ids = (result: CurlResult) => result.body.templates.map((template: any) => template.templateId);
    assert.ok(ids(templates).includes(templateId) && ids(templates).includes('studio-white-packshot'));
    assert.deepEqual(Object.keys(templates.body.templates[0]).sort(), ['description', 'name', 'templateId']);
    assert.deepEqual(ids(await curl(`${glossi}/api/v1/templates?public=false`, ...withKey(keyA))), [templateId]);
    assert.ok(!ids(await curl(`${glossi}/api/v1/templates?internal=false`, ...withKey(keyA))).includes(templateId));

    // 3 Create a project
    const project = await curl('-X', 'POST', `${glossi}/api/v1/projects`, ...withKey(keyA), ...json({ name: 'Product Photoshoot', modelIds: [record.modelId], templateId }));
    assert.equal(project.status, 200, project.text);
    const [{ projectId, ...projectRest }] = project.body.projects;
    assert.deepEqual(projectRest, { name: 'Product Photoshoot', status: 'READY', modelIds: [record.modelId], templateId });
    workflowProject = projectId;
    workflowModel = record.modelId;

    // 4 Start a render: 720p stills, the web MP4 of a 960×540 video
    const before = (await api(server, keyA, 'GET', '/account')).body.data.credits;
    const settings = { renderBookmarks: true, renderShots: true, renderVariants: true, imageQuality: 0, videoQuality: 0, videoResolution: 0 };
    const started = await curl('-X', 'POST', `${glossi}/api/v1/renders`, ...withKey(keyA), ...json({ projectIds: [projectId], settings }));
    assert.equal(started.status, 200, started.text);
    assert.equal(started.body.totalProjects, 1);
    const [{ jobId, status: startedStatus, projectId: startedProject }] = started.body.jobs;
    assert.equal(startedStatus, 'QUEUED');
    assert.equal(startedProject, projectId);
    const quote = await api(server, keyA, 'POST', '/quote', { renders: [{ output: 'stills', stills: ['front'], imageSize: '720p' }, { quality: 'share', length: 3 }] });
    assert.equal((await api(server, keyA, 'GET', '/account')).body.data.credits, before - quote.body.data.creditsRequired, 'charged like the same renders through /v1');

    // 5 Check render status until COMPLETED
    const renderDeadline = Date.now() + 180_000;
    let job: CurlResult;
    for (;;) {
      job = await curl(`${glossi}/api/v1/renders/${jobId}`, ...withKey(keyA));
      assert.equal(job.status, 200, job.text);
      assert.ok(['QUEUED', 'RENDERING', 'COMPLETED'].includes(job.body.status), job.text);
      if (job.body.status === 'COMPLETED') break;
      assert.equal(job.body.renders, undefined);
      assert.ok(Date.now() < renderDeadline, job.text);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(job.body.projectId, projectId);
    const [still, video] = job.body.renders;
    assert.deepEqual(
      job.body.renders.map((render: any) => [render.name, render.fileType, render.isVideo]),
      [
        ['front - Default', 'PNG', false],
        ['spin - Default', 'MP4', true],
      ],
    );
    const jobView = (await api(server, keyA, 'GET', `/jobs/${jobId}`)).body.data;
    assert.deepEqual(job.body.renders.map((render: any) => render.id), jobView.renderIds, 'the same renders /v1/jobs reports');

    // Files: absolute URLs, downloadable with the key only
    for (const render of [still, video]) {
      assert.ok(render.filePath.startsWith(`${glossi}/`), render.filePath);
      expectGlossiError(await curl(render.filePath), 401, 'unauthorized');
    }
    const image = await run('curl', ['-s', '-f', ...withKey(keyA), still.filePath], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    const meta = await sharp(image.stdout).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 1280, 720]);
    const mp4 = (await run('curl', ['-s', '-f', ...withKey(keyA), video.filePath], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })).stdout;
    assert.equal(mp4.subarray(4, 8).toString('latin1'), 'ftyp');
    const web = await fetch(`${server.url}/renders/${video.id}/video?quality=web`, { headers: { authorization: `Bearer ${keyA}` } });
    assert.ok(Buffer.from(await web.arrayBuffer()).equals(mp4), 'videoQuality 0 delivers the web MP4');

    // Only FAILED jobs can be retried
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/renders/${jobId}/retry`, ...withKey(keyA)), 409, 'job_not_failed');
    // Another account sees none of it
    expectGlossiError(await curl(`${glossi}/api/v1/renders/${jobId}`, ...withKey(keyB)), 404, 'job_not_found');
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/renders`, ...withKey(keyB), ...json({ projectIds: [projectId] })), 404, 'project_not_found');
    const theirs = await curl('-X', 'POST', `${glossi}/api/v1/models/status`, ...withKey(keyB), ...json({ modelIds: [record.modelId] }));
    assert.deepEqual(theirs.body, { models: [], allReady: false, notFound: [record.modelId] });
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/projects`, ...withKey(keyB), ...json({ modelIds: [record.modelId], templateId: 'studio-white-packshot' })), 404, 'model_not_found');

    // The same bytes again: a new Glossi id that refers to the same model
    const again = await createRecord(keyA);
    assert.equal((await put(again.uploadUrl, CUBE)).status, 200);
    const reconfirmed = await curl('-X', 'POST', `${glossi}/api/v1/models/${again.modelId}/confirm`, ...withKey(keyA), ...json({ fileType: 'glb' }));
    assert.equal(reconfirmed.body.status, 'READY', reconfirmed.text);
    assert.equal((await api(server, keyA, 'GET', '/models')).body.meta.total, 1);
  });

  test('step 6: PUT /api/v1/webhooks registers (then changes) one endpoint; project.created arrives signed as the document verifies', async () => {
    const events = ['model.processed', 'model.failed', 'project.created', 'job.complete', 'job.failed', 'render.complete', 'render.failed'];
    const put = await curl('-X', 'PUT', `${glossi}/api/v1/webhooks`, ...withKey(keyA), ...json({ url: 'http://127.0.0.1:9/nowhere', events, enabled: true }));
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(Object.keys(put.body).sort(), ['enabled', 'events', 'id', 'secret', 'url']);
    webhookSecret = put.body.secret;
    const again = await curl('-X', 'PUT', `${glossi}/api/v1/webhooks`, ...withKey(keyA), ...json({ url: receiver.url, events, enabled: true }));
    assert.deepEqual([again.body.id, again.body.secret, again.body.url, again.body.events], [put.body.id, webhookSecret, receiver.url, events]);
    expectGlossiError(await curl('-X', 'PUT', `${glossi}/api/v1/webhooks`, ...withKey(keyA), ...json({ url: 'ftp://example.com/x', events, enabled: true })), 400, 'invalid_url');
    assert.equal((await api(server, keyA, 'GET', '/webhooks')).body.data.length, 1, 'one registry: /v1 lists it');

    const [model] = (await curl('-X', 'POST', `${glossi}/api/v1/projects`, ...withKey(keyA), ...json({ name: 'Hooked', modelIds: [workflowModel], templateId }))).body.projects;
    const created = await waitUntil('project.created', () => received('project.created').find((payload) => payload.data.projectId === model.projectId));
    assert.deepEqual(created.data, model);
  });

  test('a FAILED job (its render worker killed) is retried: QUEUED again, charged again, then COMPLETED', async () => {
    assert.ok(workflowProject, 'the workflow test made the project');
    const credits = async () => (await api(server, keyA, 'GET', '/account')).body.data.credits;
    const before = await credits();
    const settings = { renderBookmarks: false, renderShots: true, videoResolution: 0 };
    const started = await curl('-X', 'POST', `${glossi}/api/v1/renders`, ...withKey(keyA), ...json({ projectIds: [workflowProject], settings }));
    const [{ jobId }] = started.body.jobs;
    const price = before - (await credits());
    process.kill(await waitUntil('the render worker', async () => (await rendererWorkers(server.process.pid!))[0]), 'SIGKILL');
    const failed = await waitUntil('FAILED', async () => {
      const job = await curl(`${glossi}/api/v1/renders/${jobId}`, ...withKey(keyA));
      return job.body.status === 'FAILED' ? job : null;
    }, 120_000);
    assert.equal(typeof failed.body.errorMessage, 'string', failed.text);
    assert.deepEqual(failed.body.renders, []);
    assert.equal(await credits(), before, 'refunded');
    const retried = await curl('-X', 'POST', `${glossi}/api/v1/renders/${jobId}/retry`, ...withKey(keyA));
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual([retried.body.jobId, retried.body.status, retried.body.projectId], [jobId, 'QUEUED', workflowProject]);
    assert.equal(await credits(), before - price, 'charged again');
    const done = await waitUntil('COMPLETED', async () => {
      const job = await curl(`${glossi}/api/v1/renders/${jobId}`, ...withKey(keyA));
      assert.notEqual(job.body.status, 'FAILED', job.text);
      return job.body.status === 'COMPLETED' ? job : null;
    }, 120_000);
    assert.deepEqual(done.body.renders.map((render: any) => [render.name, render.fileType]), [['spin - Default', 'MP4']]);

    // Step 6's endpoint heard both outcomes, in Glossi's words
    const failure = await waitUntil('job.failed', () => received('job.failed').find((payload) => payload.data.jobId === jobId));
    assert.equal(failure.data.status, 'FAILED');
    const complete = await waitUntil('job.complete', () => received('job.complete').find((payload) => payload.data.jobId === jobId));
    assert.equal(complete.data.status, 'COMPLETE');
    assert.equal(complete.data.results[0].project.id, workflowProject);
    const rendered = await waitUntil('render.complete', () => received('render.complete').find((payload) => payload.data.jobId === jobId));
    assert.deepEqual([rendered.data.status, rendered.data.projectId, rendered.data.renderIds], ['COMPLETED', workflowProject, done.body.renders.map((render: any) => render.id)]);
    assert.ok(received('render.failed').some((payload) => payload.data.jobId === jobId));
  });

});

describe('Glossi bad input', () => {
  test('upload URLs: tampered, expired, reused; a non-model leaves the URL usable; confirm before upload', async () => {
    const record = await createRecord(keyA, 'chair.glb');
    const url = new URL(record.uploadUrl);
    const signature = url.searchParams.get('signature')!;
    const tampered = new URL(url);
    tampered.searchParams.set('signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    expectGlossiError(await put(tampered.href, CUBE), 403, 'invalid_signature');
    const longer = new URL(url);
    longer.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 86_400));
    expectGlossiError(await put(longer.href, CUBE), 403, 'invalid_signature');
    const otherRecord = await createRecord(keyA, 'other.glb');
    expectGlossiError(await put(record.uploadUrl.replace(record.modelId, otherRecord.modelId), CUBE), 403, 'invalid_signature');

    // Expired: signed with the server's own secret (an independent HMAC-SHA256 of "<id>.<expires>"), an hour ago.
    const db = openDatabase(dataDirectory);
    const secret = db.prepare("SELECT value FROM server_secrets WHERE name = 'compat-upload-signing'").pluck().get() as string;
    db.close();
    const expires = Math.floor(Date.now() / 1000) - 1;
    const expired = new URL(url);
    expired.searchParams.set('expires', String(expires));
    expired.searchParams.set('signature', createHmac('sha256', secret).update(`${record.modelId}.${expires}`).digest('hex'));
    expectGlossiError(await put(expired.href, CUBE), 403, 'upload_url_expired');

    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/models/${record.modelId}/confirm`, ...withKey(keyA), ...json({ fileType: 'glb' })), 409, 'upload_missing');
    expectGlossiError(await put(record.uploadUrl, NOT_A_MODEL), 400, 'invalid_format');
    const text = path.join(dataDirectory, 'notes.txt');
    await writeFile(text, 'not a model at all\n');
    expectGlossiError(await put(record.uploadUrl, text), 400, 'invalid_format');
    assert.equal((await put(record.uploadUrl, CUBE)).status, 200, 'a refused PUT does not use the URL up');
    expectGlossiError(await put(record.uploadUrl, CUBE), 409, 'upload_url_used');

    // More than 100 MB: refused from its Content-Length, before the body is read.
    const big = await createRecord(keyA, 'big.glb');
    const refused = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const request = http.request(big.uploadUrl, { method: 'PUT', headers: { 'content-length': LIMITS.maxModelBytes + 1 } }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          request.destroy(); // the rest of the body is never sent
          resolve({ status: response.statusCode!, body: JSON.parse(text) });
        });
      });
      request.on('error', reject);
      request.write(Buffer.alloc(1024));
    });
    assert.equal(refused.status, 413);
    assert.equal(refused.body.code, 'file_too_large');
  });

  test('unknown ids, missing key, bad settings', async () => {
    expectGlossiError(await curl(`${glossi}/api/v1/templates`), 401, 'unauthorized');
    expectGlossiError(await curl(`${glossi}/api/v1/renders/nope`, ...withKey(keyA)), 404, 'job_not_found');
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/renders`, ...withKey(keyA), ...json({ projectIds: ['nope'] })), 404, 'project_not_found');
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/models/nope/confirm`, ...withKey(keyA)), 404, 'model_not_found');
    const record = await createRecord(keyA, 'pending.glb');
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/projects`, ...withKey(keyA), ...json({ modelIds: [record.modelId], templateId })), 400, 'model_not_ready');
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/projects`, ...withKey(keyB), ...json({ modelIds: [record.modelId], templateId })), 404, 'template_not_found');
    expectGlossiError(await curl('-X', 'POST', `${glossi}/api/v1/renders`, ...withKey(keyA), ...json({ projectIds: ['nope'], settings: { imageQuality: 3 } })), 400, 'invalid_request');
    const unknown = await curl(`${glossi}/api/v1/nothing`, ...withKey(keyA));
    assert.equal(unknown.status, 404);
    // A /v1 job is no Glossi render job
    assert.equal((await api(server, keyA, 'GET', '/jobs')).status, 200);
  });

  test('upload URLs start at --public-url, whatever Host the request names', async () => {
    const other = await startServerProcess(dataDirectory, { args: ['--public-url', 'https://renders.example.com/base/'] });
    try {
      const base = other.url.replace(/\/v1$/, '/compat/glossi');
      const created = await curl('-X', 'POST', `${base}/api/v1/models`, '-H', 'Host: attacker.example', ...withKey(keyA), ...json({ models: [{ name: 'X', fileName: 'x.glb', fileType: 'glb' }] }));
      assert.equal(created.status, 200, created.text);
      assert.ok(created.body.models[0].uploadUrl.startsWith('https://renders.example.com/base/compat/glossi/uploads/'), created.body.models[0].uploadUrl);
    } finally {
      await other.stop();
    }
  });
});
