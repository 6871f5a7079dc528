/**
 * Webhooks against a real `renderbay serve` and real receivers (node:http on 127.0.0.1):
 * registration and its refusals, a receiver that fails twice then answers, one that hangs,
 * a server restart between attempts, redelivery, the signature checked by an independent
 * HMAC (WebCrypto) and by the README's own Node and Python snippets, which reject a replay.
 * Retry timings are shortened through the RENDERBAY_WEBHOOK_* environment; deliveries are
 * triggered with ping, so nothing here renders (test/api-integrations.test.ts covers the
 * events of real renders).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { api, cli, createKey, expectError, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { waitUntil } from './helpers/processes.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './helpers/webhook-receiver.js';

/** Retries 0.2 s, 0.4 s, … at most 1 s apart; a receiver gets 1.5 s to answer. */
const FAST = { RENDERBAY_WEBHOOK_RETRY_BASE: '0.2', RENDERBAY_WEBHOOK_RETRY_MAX: '1', RENDERBAY_WEBHOOK_TIMEOUT: '1.5' };

let dataDirectory: string;
let server: ServerProcess;
let key: string;
let otherKey: string;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-webhooks-'));
  key = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'other@example.com', '--data', dataDirectory);
  otherKey = await createKey(dataDirectory, { account: 'other@example.com' });
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true, env: FAST });
});
after(async () => {
  await server?.stop();
  for (const cleanup of cleanups) await cleanup();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function receiver(respond?: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(respond);
  cleanups.push(() => started.close());
  return started;
}

async function register(url: string, on: ServerProcess = server, apiKey = key, events = ['render.complete']): Promise<any> {
  const created = await api(on, apiKey, 'POST', '/webhooks', { url, events });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.data;
}

async function deliveries(webhookId: string, on: ServerProcess = server, apiKey = key): Promise<any[]> {
  const listed = await api(on, apiKey, 'GET', `/webhooks/${webhookId}/deliveries`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  return listed.body.data;
}

/** Waits until every delivery of the webhook (at least `count`) is no longer pending. */
async function settled(webhookId: string, count = 1, on: ServerProcess = server, apiKey = key): Promise<any[]> {
  return waitUntil(`${count} settled deliveries`, async () => {
    const all = await deliveries(webhookId, on, apiKey);
    return all.length >= count && all.every((delivery) => delivery.status !== 'pending') ? all : null;
  }, 30_000);
}

/** HMAC-SHA256 through WebCrypto: an implementation independent of the server's node:crypto. */
async function independentSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const hmacKey = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return Buffer.from(await crypto.subtle.sign('HMAC', hmacKey, encoder.encode(`${timestamp}.${body}`))).toString('hex');
}

async function expectSigned(request: ReceivedRequest, secret: string): Promise<number> {
  const header = String(request.headers['renderbay-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  assert.ok(match, `Renderbay-Signature: ${header}`);
  assert.ok(Math.abs(Number(match[1]) - request.receivedAt / 1000) < 60, 'signed when sent');
  assert.equal(match[2], await independentSignature(secret, match[1], request.body));
  return Number(match[1]);
}

/** A fenced code block of the README (the one containing `marker`), without the list item's indentation. */
async function readmeSnippet(marker: string): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  for (const [, indent, body] of readme.matchAll(/^( *)```\w+\n([\s\S]*?)^\1```$/gm)) {
    if (body.includes(marker)) return body.split('\n').map((line) => line.slice(indent.length)).join('\n');
  }
  throw new Error(`no README snippet with ${marker}`);
}

test('webhooks are registered, listed, changed and deleted; the secret shows only on create and rotate; another account sees none', async () => {
  const created = await register('http://127.0.0.1:9/hooks', server, key, ['render.complete', 'model.failed']);
  assert.match(created.secret, /^whsec_[0-9a-f]{64}$/);
  assert.deepEqual({ url: created.url, events: created.events, enabled: created.enabled }, { url: 'http://127.0.0.1:9/hooks', events: ['render.complete', 'model.failed'], enabled: true });
  const listed = (await api(server, key, 'GET', '/webhooks')).body.data.find((webhook: any) => webhook.id === created.id);
  assert.equal(listed.url, created.url);
  assert.equal('secret' in listed, false, 'listing never shows the secret');
  assert.equal('secret' in (await api(server, key, 'GET', `/webhooks/${created.id}`)).body.data, false);

  const patched = await api(server, key, 'PATCH', `/webhooks/${created.id}`, { events: ['job.failed', 'render.failed'], enabled: false });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.deepEqual([patched.body.data.events, patched.body.data.enabled], [['job.failed', 'render.failed'], false]);
  const rotated = await api(server, key, 'POST', `/webhooks/${created.id}/rotate-secret`);
  assert.match(rotated.body.data.secret, /^whsec_[0-9a-f]{64}$/);
  assert.notEqual(rotated.body.data.secret, created.secret);

  // Another account: its list is empty and every route answers as for a missing id.
  assert.deepEqual((await api(server, otherKey, 'GET', '/webhooks')).body.data, []);
  for (const [method, route] of [
    ['GET', `/webhooks/${created.id}`],
    ['PATCH', `/webhooks/${created.id}`],
    ['DELETE', `/webhooks/${created.id}`],
    ['POST', `/webhooks/${created.id}/rotate-secret`],
    ['POST', `/webhooks/${created.id}/ping`],
    ['GET', `/webhooks/${created.id}/deliveries`],
    ['GET', '/webhooks/missing'],
  ]) {
    expectError(await api(server, otherKey, method, route, method === 'PATCH' ? { enabled: true } : undefined), 404, 'webhook_not_found');
  }
  expectError(await api(server, key, 'POST', `/webhooks/${created.id}/deliveries/missing/redeliver`), 404, 'delivery_not_found');

  assert.deepEqual((await api(server, key, 'DELETE', `/webhooks/${created.id}`)).body.data, { id: created.id, deleted: true });
  expectError(await api(server, key, 'GET', `/webhooks/${created.id}`), 404, 'webhook_not_found');
});

test('refused: a non-http scheme, unknown events, a missing url; a private address unless the operator allows it', async () => {
  const events = ['render.complete'];
  expectError(await api(server, key, 'POST', '/webhooks', { url: 'ftp://example.com/hooks', events }), 400, 'invalid_url', /scheme "ftp:"/);
  expectError(await api(server, key, 'POST', '/webhooks', { url: 'file:///etc/passwd', events }), 400, 'invalid_url');
  expectError(await api(server, key, 'POST', '/webhooks', { url: 'https://user:pw@example.com/hooks', events }), 400, 'invalid_url', /Credentials/);
  expectError(await api(server, key, 'POST', '/webhooks', { events }), 400, 'url_required');
  expectError(await api(server, key, 'POST', '/webhooks', { url: 'http://192.0.2.1/hooks', events: ['render.exploded'] }), 400, 'invalid_events');
  expectError(await api(server, key, 'POST', '/webhooks', { url: 'http://192.0.2.1/hooks', events: [] }), 400, 'invalid_events');
  expectError(await api(server, key, 'POST', '/webhooks', { url: 'http://192.0.2.1/hooks', events, enabled: 'yes' }), 400, 'invalid_request');

  const strictData = await mkdtemp(path.join(os.tmpdir(), 'renderbay-webhooks-strict-'));
  const strictKey = await createKey(strictData);
  const strict = await startServerProcess(strictData, { env: FAST });
  try {
    for (const url of ['http://127.0.0.1:8080/hooks', 'http://localhost/hooks', 'http://10.1.2.3/hooks', 'http://[::1]/hooks', 'http://169.254.169.254/latest']) {
      expectError(await api(strict, strictKey, 'POST', '/webhooks', { url, events }), 400, 'invalid_url', /non-public address/);
    }
    const publicHook = await register('http://93.184.215.14/hooks', strict, strictKey);
    expectError(await api(strict, strictKey, 'PATCH', `/webhooks/${publicHook.id}`, { url: 'http://192.168.1.10/hooks' }), 400, 'invalid_url', /non-public address/);
    // Without --cors-origin, no CORS headers at all.
    const preflight = await fetch(`${strict.url}/webhooks`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  } finally {
    await strict.stop();
    await rm(strictData, { recursive: true, force: true });
  }
});

test('a receiver answering 500 twice then 200: three attempts of one delivery, logged once as a success, each signed', async () => {
  const hook = await receiver((index) => (index < 2 ? 500 : 200));
  const webhook = await register(hook.url);
  const ping = await api(server, key, 'POST', `/webhooks/${webhook.id}/ping`);
  assert.equal(ping.status, 202, JSON.stringify(ping.body));
  assert.deepEqual([ping.body.data.event, ping.body.data.status, ping.body.data.attempts], ['ping', 'pending', 0]);

  const [delivery, ...others] = await settled(webhook.id);
  assert.equal(others.length, 0, 'one delivery, however many attempts');
  assert.deepEqual(
    { id: delivery.id, status: delivery.status, attempts: delivery.attempts, lastResponseCode: delivery.lastResponseCode, lastError: delivery.lastError },
    { id: ping.body.data.id, status: 'succeeded', attempts: 3, lastResponseCode: 200, lastError: null },
  );
  assert.ok(delivery.deliveredAt && delivery.lastAttemptAt);
  assert.equal(delivery.nextAttemptAt, null);

  assert.equal(hook.requests.length, 3);
  for (const request of hook.requests) {
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['renderbay-event'], 'ping');
    assert.equal(request.headers['renderbay-delivery'], delivery.id, 'the same delivery id on every attempt');
    assert.equal(request.body, hook.requests[0].body, 'the same body on every attempt');
    await expectSigned(request, webhook.secret);
  }
  const payload = JSON.parse(hook.requests[0].body);
  assert.deepEqual(Object.keys(payload), ['event', 'timestamp', 'data']);
  assert.deepEqual(payload.data, { id: webhook.id, url: webhook.url });
  assert.ok(Math.abs(Date.parse(payload.timestamp) - hook.requests[0].receivedAt) < 60_000);
  // Exponential backoff: 0.2 s after the first failure, 0.4 s after the second (at least).
  assert.ok(hook.requests[1].receivedAt - hook.requests[0].receivedAt >= 190, 'first retry waited');
  assert.ok(hook.requests[2].receivedAt - hook.requests[1].receivedAt >= 390, 'second retry waited longer');
});

test("the README's Node and Python verify snippets accept a delivery and reject a replay, a changed body and another secret", async () => {
  const hook = await receiver();
  const webhook = await register(hook.url);
  await api(server, key, 'POST', `/webhooks/${webhook.id}/ping`);
  await settled(webhook.id);
  const [request] = hook.requests;
  const header = String(request.headers['renderbay-signature']);
  const t = await expectSigned(request, webhook.secret);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'renderbay-verify-'));
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));

  const nodeFile = path.join(scratch, 'verify.mjs');
  await writeFile(nodeFile, await readmeSnippet('function verifyRenderbaySignature'));
  const { verifyRenderbaySignature: verify } = (await import(pathToFileURL(nodeFile).href)) as {
    verifyRenderbaySignature: (secret: string, header: string, body: Buffer | string, tolerance?: number, now?: number) => boolean;
  };
  assert.equal(verify(webhook.secret, header, Buffer.from(request.body, 'utf8')), true);
  assert.equal(verify(webhook.secret, header, request.body), true);
  assert.equal(verify(webhook.secret, header, request.body, 300, t + 301), false, 'the same request 5 minutes later: a replay');
  assert.equal(verify(webhook.secret, header, request.body.replace('"ping"', '"pong"')), false);
  assert.equal(verify(`${webhook.secret}x`, header, request.body), false);
  assert.equal(verify(webhook.secret, '', request.body), false);

  const pythonFile = path.join(scratch, 'verify.py');
  await writeFile(
    pythonFile,
    `${await readmeSnippet('def verify_renderbay_signature')}\n` +
      'import json, sys\n' +
      'case = json.loads(sys.argv[1])\n' +
      'print(json.dumps([verify_renderbay_signature(secret, case["header"], body.encode("utf-8"), 300, now) for secret, body, now in case["checks"]]))\n',
  );
  const checks = [
    [webhook.secret, request.body, null],
    [webhook.secret, request.body, t + 301],
    [webhook.secret, request.body.replace('"ping"', '"pong"'), null],
    [`${webhook.secret}x`, request.body, null],
  ];
  const { stdout } = await promisify(execFile)('python3', [pythonFile, JSON.stringify({ header, checks })]);
  assert.deepEqual(JSON.parse(stdout), [true, false, false, false]);
});

test('a receiver that hangs is cut off at the timeout and the delivery is retried', async () => {
  const hook = await receiver((index) => (index === 0 ? 'hang' : 200));
  const webhook = await register(hook.url);
  await api(server, key, 'POST', `/webhooks/${webhook.id}/ping`);
  const [delivery] = await settled(webhook.id);
  assert.deepEqual([delivery.status, delivery.attempts, delivery.lastResponseCode], ['succeeded', 2, 200]);
  assert.equal(hook.requests.length, 2);
  // The second attempt came only after the first had been given its 1.5 s.
  assert.ok(hook.requests[1].receivedAt - hook.requests[0].receivedAt >= 1500, `${hook.requests[1].receivedAt - hook.requests[0].receivedAt} ms apart`);
});

test('a delivery pending when the server stops is sent by the next server on the same data directory', async () => {
  const restartData = await mkdtemp(path.join(os.tmpdir(), 'renderbay-webhooks-restart-'));
  cleanups.push(() => rm(restartData, { recursive: true, force: true }));
  const restartKey = await createKey(restartData);
  // A 3 s first retry: time for the server to stop before it is due.
  const env = { ...FAST, RENDERBAY_WEBHOOK_RETRY_BASE: '3', RENDERBAY_WEBHOOK_RETRY_MAX: '3' };
  let restarting = await startServerProcess(restartData, { allowPrivateUrls: true, env });
  try {
    const hook = await receiver((index) => (index === 0 ? 503 : 200));
    const webhook = await register(hook.url, restarting, restartKey);
    await api(restarting, restartKey, 'POST', `/webhooks/${webhook.id}/ping`);
    const first = await waitUntil('the first attempt', async () => (await deliveries(webhook.id, restarting, restartKey)).find((delivery) => delivery.attempts === 1));
    assert.deepEqual([first.status, first.lastResponseCode], ['pending', 503]);
    assert.match(first.lastError, /HTTP 503/);
    assert.ok(Date.parse(first.nextAttemptAt) - Date.parse(first.lastAttemptAt) >= 2900, 'next attempt 3 s later');
    await restarting.stop();
    assert.equal(hook.requests.length, 1, 'nothing sent while stopped');

    restarting = await startServerProcess(restartData, { allowPrivateUrls: true, env });
    const [delivery] = await settled(webhook.id, 1, restarting, restartKey);
    assert.deepEqual([delivery.id, delivery.status, delivery.attempts, delivery.lastResponseCode], [first.id, 'succeeded', 2, 200]);
    assert.equal(hook.requests.length, 2);
    assert.equal(hook.requests[1].headers['renderbay-delivery'], first.id);
    assert.equal(hook.requests[1].body, hook.requests[0].body);
  } finally {
    await restarting.stop();
  }
});

test('redeliver sends the same body again as a new delivery; a rotated secret signs it', async () => {
  const hook = await receiver();
  const webhook = await register(hook.url);
  await api(server, key, 'POST', `/webhooks/${webhook.id}/ping`);
  const [original] = await settled(webhook.id);
  const { secret } = (await api(server, key, 'POST', `/webhooks/${webhook.id}/rotate-secret`)).body.data;
  const again = await api(server, key, 'POST', `/webhooks/${webhook.id}/deliveries/${original.id}/redeliver`);
  assert.equal(again.status, 202, JSON.stringify(again.body));
  assert.equal(again.body.data.redeliveryOf, original.id);
  assert.notEqual(again.body.data.id, original.id);
  const all = await settled(webhook.id, 2);
  assert.deepEqual(all.map((delivery) => [delivery.id, delivery.status]), [[again.body.data.id, 'succeeded'], [original.id, 'succeeded']], 'newest first');
  assert.equal(hook.requests[1].body, hook.requests[0].body);
  assert.equal(hook.requests[1].headers['renderbay-delivery'], again.body.data.id);
  await expectSigned(hook.requests[1], secret);
});

test("a receiver that hangs on 50 deliveries does not hold up another webhook's", async () => {
  const fairData = await mkdtemp(path.join(os.tmpdir(), 'renderbay-webhooks-fair-'));
  cleanups.push(() => rm(fairData, { recursive: true, force: true }));
  const fairKey = await createKey(fairData);
  // A receiver gets 20 s here: the hanging one's attempts all outlast this test.
  const fair = await startServerProcess(fairData, { allowPrivateUrls: true, env: { ...FAST, RENDERBAY_WEBHOOK_TIMEOUT: '20' } });
  try {
    const hanging = await receiver(() => 'hang');
    const prompt = await receiver();
    const slowHook = await register(hanging.url, fair, fairKey);
    const quickHook = await register(prompt.url, fair, fairKey);
    for (let index = 0; index < 50; index++) assert.equal((await api(fair, fairKey, 'POST', `/webhooks/${slowHook.id}/ping`)).status, 202);
    await waitUntil('the hanging receiver holding its share', () => hanging.requests.length >= 2);
    await api(fair, fairKey, 'POST', `/webhooks/${quickHook.id}/ping`);
    const [delivery] = await settled(quickHook.id, 1, fair, fairKey);
    assert.equal(delivery.status, 'succeeded');
    assert.equal(hanging.requests.length, 2, 'two deliveries in flight to one webhook at most');
    const slowLog = (await api(fair, fairKey, 'GET', `/webhooks/${slowHook.id}/deliveries?limit=100`)).body;
    assert.equal(slowLog.meta.total, 50);
    assert.ok(slowLog.data.every((pending: any) => pending.status === 'pending' && pending.attempts === 0), 'none of the hanging attempts has ended yet');
  } finally {
    await fair.stop();
  }
});
