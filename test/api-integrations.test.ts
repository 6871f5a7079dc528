/**
 * The integration surface on a real server that really renders: webhook events of real
 * models and renders (the payload's data is what the API returns), POST /models/status,
 * `Prefer: wait` on POST /renders (both outcomes, and its refusals), retry of a failed
 * render (REST and MCP retry_render), and CORS with --cors-origin.
 * Renders are small (a 128 px still, a 3 s share video), so each takes a moment.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { api, cli, createKey, expectError, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { callError, connectHttp } from './helpers/mcp.js';
import { rendererWorkers, waitUntil } from './helpers/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const QUICK = { output: 'stills', stills: ['front'], imageSize: '128x128' };
const ORIGIN = 'https://app.example.com';

let dataDirectory: string;
let server: ServerProcess;
let key: string;
let otherKey: string;
let hook: WebhookReceiver;
let modelId: string;
let previewId: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-integrations-'));
  key = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'other@example.com', '--data', dataDirectory);
  otherKey = await createKey(dataDirectory, { account: 'other@example.com' });
  hook = await startWebhookReceiver();
  server = await startServerProcess(dataDirectory, {
    allowPrivateUrls: true,
    // One attempt: a render whose worker is killed fails at once; share videos at 30 credits: a few empty the balance (the retry test).
    env: { RENDERBAY_MAX_RENDER_ATTEMPTS: '1', RENDERBAY_WEBHOOK_RETRY_BASE: '0.2', RENDERBAY_PRICES: '{"share":30}' },
    args: ['--cors-origin', ORIGIN, '--cors-origin', 'http://localhost:3000'],
  });
  const webhook = await api(server, key, 'POST', '/webhooks', { url: hook.url, events: ['model.processed', 'model.failed', 'render.complete', 'render.failed'] });
  assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
  const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/textured-cube.glb'));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  ({ modelId, renderId: previewId } = upload.body.data);
});
after(async () => {
  await server?.stop();
  await hook?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

/** The payload of the first delivery of `event` about resource `id`. */
function delivered(event: string, id: string): Promise<any> {
  return waitUntil(`${event} for ${id}`, () => hook.requests.map((request) => JSON.parse(request.body)).find((payload) => payload.event === event && payload.data.id === id), 60_000);
}

const credits = async () => (await api(server, key, 'GET', '/account')).body.data.credits as number;

function postRender(prefer: string | null, body: unknown): Promise<{ status: number; headers: Headers; body: any }> {
  return fetch(`${server.url}/renders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(prefer ? { prefer } : {}) },
    body: JSON.stringify(body),
  }).then(async (response) => ({ status: response.status, headers: response.headers, body: await response.json() }));
}

test('POST /models/status: readiness of many models, others\' and unknown ids as notFound; model events carry the model as listed', async () => {
  // Broken at ingest: a model without any rendering.
  const other = await api(server, otherKey, 'POST', '/models', await modelForm('fixtures/generated/bad-truncated.glb'));
  const otherModelId = other.body.data.modelId;
  const early = await api(server, key, 'POST', '/models/status', { modelIds: [modelId, 'unknown', otherModelId, modelId] });
  assert.equal(early.status, 200, JSON.stringify(early.body));
  assert.deepEqual(early.body.data.notFound, ['unknown', otherModelId]);
  assert.equal(early.body.data.allReady, false);
  assert.equal(early.body.data.models.length, 1);

  await waitForRender(server, key, previewId);
  assert.deepEqual((await api(server, key, 'POST', '/models/status', { modelIds: [modelId] })).body.data, {
    models: [{ modelId, status: 'valid', ready: true }],
    allReady: true,
    notFound: [],
  });
  expectError(await api(server, key, 'POST', '/models/status', {}), 400, 'model_ids_required');
  expectError(await api(server, key, 'POST', '/models/status', { modelIds: [] }), 400, 'model_ids_required');
  expectError(await api(server, key, 'POST', '/models/status', { modelIds: [7] }), 400, 'invalid_request');
  expectError(await api(server, key, 'POST', '/models/status', { modelIds: Array.from({ length: 101 }, (_, index) => `m${index}`) }), 400, 'too_many');

  const payload = await delivered('model.processed', modelId);
  const listed = (await api(server, key, 'GET', '/models')).body.data.find((model: any) => model.id === modelId);
  assert.deepEqual(payload.data, listed);
  assert.equal(hook.requests.some((request) => JSON.parse(request.body).data.id === previewId), false, 'the system preview speaks through its model');

  const broken = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/bad-truncated.glb'));
  const failed = await delivered('model.failed', broken.body.data.modelId);
  assert.deepEqual([failed.data.status, failed.data.invalidReason], ['invalid', (await api(server, key, 'GET', `/models/${broken.body.data.modelId}`)).body.data.invalidReason]);
  assert.equal(hook.requests.filter((request) => JSON.parse(request.body).data.id === otherModelId).length, 0, "another account's events are not ours");
});

test('Prefer: wait — 200 with the finished render in time, 202 as it stands otherwise; out of range refused before charging', async () => {
  await waitForRender(server, key, previewId);
  const before = await credits();
  for (const prefer of ['wait=0', 'wait=121', 'wait=soon', 'wait=1.5']) {
    const refused = await postRender(prefer, { modelId, renderSettings: QUICK });
    expectError(refused, 400, 'invalid_prefer');
  }
  assert.equal(await credits(), before, 'nothing charged');

  const finished = await postRender('respond-async, wait=120', { modelId, renderSettings: QUICK });
  assert.equal(finished.status, 200, JSON.stringify(finished.body));
  assert.equal(finished.headers.get('preference-applied'), 'wait');
  assert.equal(finished.body.data.status, 'done');
  const stored = (await api(server, key, 'GET', `/renders/${finished.body.data.id}`)).body.data;
  assert.deepEqual(finished.body.data, stored, 'the finished render as GET /renders/:id returns it');
  assert.deepEqual((await delivered('render.complete', stored.id)).data, stored, 'render.complete carries the same render');

  // One render at a time: a second one queued behind a longer one cannot finish within 1 s.
  const busy = await api(server, key, 'POST', '/renders', { modelId, renderSettings: { quality: 'share', length: 10 } });
  const waited = await postRender('wait=1', { modelId, renderSettings: QUICK });
  assert.equal(waited.status, 202, JSON.stringify(waited.body));
  assert.equal(waited.headers.get('preference-applied'), null);
  assert.equal(waited.body.data.status, 'pending');
  assert.equal(waited.body.data.modelId, modelId);
  for (const id of [waited.body.data.id, busy.body.data.id]) assert.equal((await api(server, key, 'DELETE', `/renders/${id}`)).status, 200);
});

test('a failed render is retried: same id back to pending, charged again, attempt 2, done; render.failed was delivered; 409 for one that did not fail', async () => {
  await waitForRender(server, key, previewId);
  const start = await credits();
  // Long enough (90 frames) for its worker to be found and killed mid-render.
  const created = await api(server, key, 'POST', '/renders', { modelId, renderSettings: { quality: 'share', length: 3 } });
  const renderId = created.body.data.id;
  const price = start - (await credits());
  assert.equal(price, 30);
  // Its worker dies: with one attempt allowed, the render fails (refunded).
  const worker = await waitUntil('the render worker', async () => (await rendererWorkers(server.process.pid!))[0]);
  process.kill(worker, 'SIGKILL');
  const { render: failed } = await waitForRender(server, key, renderId);
  assert.deepEqual([failed.status, failed.errorCode, failed.attempt], ['error', 'render_crashed', 1]);
  assert.equal(await credits(), start, 'refunded');
  const failure = await delivered('render.failed', renderId);
  assert.deepEqual([failure.data.status, failure.data.errorCode], ['error', 'render_crashed']);

  // A balance short of its price: refused as any render would be, and nothing changes.
  const spenders: string[] = [];
  while ((await credits()) >= price) {
    spenders.push((await api(server, key, 'POST', '/renders', { modelId, renderSettings: { quality: 'share', length: 3, bgColor: '#203040' } })).body.data.id);
  }
  expectError(await api(server, key, 'POST', `/renders/${renderId}/retry`), 402, 'no_credits');
  assert.deepEqual([(await api(server, key, 'GET', `/renders/${renderId}`)).body.data.status, (await api(server, key, 'GET', `/renders/${renderId}`)).body.data.attempt], ['error', 1]);
  for (const id of spenders) assert.equal((await api(server, key, 'DELETE', `/renders/${id}`)).status, 200);
  assert.equal(await credits(), start);

  expectError(await api(server, otherKey, 'POST', `/renders/${renderId}/retry`), 404, 'render_not_found');
  const retried = await api(server, key, 'POST', `/renders/${renderId}/retry`);
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.deepEqual([retried.body.data.id, retried.body.data.status, retried.body.data.attempt, retried.body.data.errorCode], [renderId, 'pending', 2, null]);
  assert.deepEqual(retried.body.data.renderSettings, failed.renderSettings);
  assert.equal(await credits(), start - price, 'charged again');
  const { render: done } = await waitForRender(server, key, renderId);
  assert.deepEqual([done.status, done.attempt], ['done', 2]);
  expectError(await api(server, key, 'POST', `/renders/${renderId}/retry`), 409, 'render_not_failed', /"done"/);
  expectError(await api(server, key, 'POST', `/renders/${previewId}/retry`), 409, 'render_not_retryable');

  const client = await connectHttp(server.url, key);
  try {
    assert.equal((await callError(client, 'retry_render', { renderId })).code, 'render_not_failed');
  } finally {
    await client.close();
  }
});

/** A raw request (fetch would not let us set Origin freely). */
function rawRequest(method: string, route: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.url}${route}`, { method, headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

test('CORS: listed origins get preflights answered and responses readable; another origin gets no access', async () => {
  const preflight = await rawRequest('OPTIONS', '/renders', {
    origin: ORIGIN,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization, content-type, prefer',
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], ORIGIN);
  assert.match(String(preflight.headers.vary), /Origin/);
  const methods = String(preflight.headers['access-control-allow-methods']).split(/,\s*/);
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) assert.ok(methods.includes(method), `${method} allowed`);
  const allowed = String(preflight.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
  for (const header of ['authorization', 'content-type', 'prefer', 'range', 'if-none-match']) assert.ok(allowed.includes(header), `${header} allowed`);

  const read = await rawRequest('GET', '/account', { origin: 'http://localhost:3000', authorization: `Bearer ${key}` });
  assert.equal(read.status, 200);
  assert.equal(read.headers['access-control-allow-origin'], 'http://localhost:3000');
  assert.match(String(read.headers.vary), /Origin/);
  const exposed = String(read.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
  for (const header of ['etag', 'content-range', 'preference-applied', 'content-disposition']) assert.ok(exposed.includes(header), `${header} exposed`);

  const refused = await rawRequest('OPTIONS', '/renders', { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' });
  assert.equal(refused.status, 403);
  assert.equal(JSON.parse(refused.body).error.code, 'cors_origin_not_allowed');
  assert.equal(refused.headers['access-control-allow-origin'], undefined);
  const other = await rawRequest('GET', '/account', { origin: 'https://evil.example.com', authorization: `Bearer ${key}` });
  assert.equal(other.status, 200, 'same-origin rules are the browser\'s: the server answers, the page cannot read it');
  assert.equal(other.headers['access-control-allow-origin'], undefined);

  // An origin is scheme, host and port: anything else is refused at start.
  const wrong = await promisify(execFile)(process.execPath, ['dist/src/cli.js', 'serve', '--port', '0', '--data', dataDirectory, '--cors-origin', 'https://app.example.com/app']).then(
    () => assert.fail('expected invalid_request'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^renderbay: invalid_request: --cors-origin must be an origin/);
});
