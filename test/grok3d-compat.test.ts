/**
 * The Grok 3D surface (/compat/grok3d) against a real `renderbay serve --grok3d-open`: the
 * document's own JavaScript (`loadExamples`, verbatim, only the base URL replaced) lists the
 * shipped examples and "downloads" their USDZ; the examples answer as finished jobs with real
 * assets (a rendered 768² JPEG, the GLB, a USDZ package); `generate` without a provider
 * answers 503 `provider_not_configured` naming the variable; bad asset types and unknown jobs
 * get the document's 400/404; keyless access works from loopback only; CORS preflights are
 * answered for the configured origin.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { cli, createKey, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { loadDocumentExamples } from './helpers/grok3d-document.js';
import { listExamples } from '../src/examples/examples.js';

const ORIGIN = 'http://app.example';
let dataDirectory: string;
let server: ServerProcess;
/** http://127.0.0.1:PORT/compat/grok3d */
let base: string;
/** The same surface at this machine's non-loopback address, when it has one. */
let outsideBase: string | null;
let key: string;
let otherKey: string;

function outsideAddress(): string | null {
  const addresses = Object.values(os.networkInterfaces()).flatMap((entries) => entries ?? []);
  return addresses.find((entry) => entry.family === 'IPv4' && !entry.internal)?.address ?? null;
}

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const bytes = Buffer.from(await response.arrayBuffer());
  let body: any = null;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    /* a file */
  }
  return { status: response.status, headers: response.headers, bytes, body };
}

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-grok3d-'));
  server = await startServerProcess(dataDirectory, { args: ['--grok3d-open', '--host', '0.0.0.0', '--cors-origin', ORIGIN] });
  const port = new URL(server.url).port;
  base = `http://127.0.0.1:${port}/compat/grok3d`;
  const address = outsideAddress();
  outsideBase = address ? `http://${address}:${port}/compat/grok3d` : null;
  key = await createKey(dataDirectory); // the local account, as keyless loopback callers act
  await cli('accounts', 'create', '--email', 'other@example.com', '--credits', '100', '--data', dataDirectory);
  otherKey = await createKey(dataDirectory, { account: 'other@example.com' });
});

after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

test("the document's loadExamples shows every example and its card downloads the USDZ", async () => {
  const page = await loadDocumentExamples(base);
  await page.loadExamples();
  const examples = listExamples();
  assert.equal(page.container.children.length, examples.length);
  for (const [index, card] of page.container.children.entries()) {
    const example = examples[index];
    assert.equal(card.className, 'example-card');
    assert.match(card.innerHTML, new RegExp(`<h3>${example.name}</h3>`));
    const src = /<img src="([^"]+)"/.exec(card.innerHTML)?.[1];
    assert.equal(src, `/compat/grok3d/api/asset/ex_${example.id}?asset_type=image`, 'image_url is a path under the surface');
    const image = await call(new URL(src!, base).href);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/jpeg');
    const { width, height, format } = await sharp(image.bytes).metadata();
    assert.deepEqual([format, width, height], ['jpeg', 768, 768]);
    const { channels } = await sharp(image.bytes).stats();
    assert.ok(channels.some((channel) => channel.stdev > 10), `${example.id}'s preview shows the model, not a flat colour`);

    card.onclick!();
    assert.equal(page.navigations.at(-1), `${base}/api/asset/ex_${example.id}?asset_type=usdz`);
    const usdz = await call(page.navigations.at(-1)!);
    assert.equal(usdz.status, 200);
    assert.equal(usdz.headers.get('content-type'), 'model/vnd.usdz+zip');
    assert.match(usdz.headers.get('content-disposition') ?? '', /attachment; filename="ex_[a-z-]+\.usdz"/);
    assert.equal(usdz.bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
    assert.ok(usdz.bytes.includes(Buffer.from('model.usda')), 'the package opens with its USDA layer');
  }
  page.stop();
});

test('an example is a finished job with its GLB; bad asset types and unknown jobs get the documented errors', async () => {
  const status = await call(`${base}/api/status/ex_suzanne`);
  assert.equal(status.status, 200);
  assert.equal(status.body.job_id, 'ex_suzanne');
  assert.equal(status.body.status, 'complete');
  assert.equal(status.body.stage, 'complete');
  assert.equal(status.body.progress, 100);
  assert.equal(status.body.error, null);
  assert.ok(!Number.isNaN(Date.parse(status.body.created_at)));

  const glb = await call(`${base}/api/asset/ex_animated-morph-cube?asset_type=glb`);
  assert.equal(glb.status, 200);
  assert.equal(glb.headers.get('content-type'), 'model/gltf-binary');
  assert.equal(glb.bytes.subarray(0, 4).toString('latin1'), 'glTF');
  assert.equal(glb.bytes.readUInt32LE(8), glb.bytes.length, 'the GLB header gives its whole length');

  for (const query of ['?asset_type=obj', '?asset_type=', '']) {
    const bad = await call(`${base}/api/asset/ex_suzanne${query}`);
    assert.equal(bad.status, 400, query);
    assert.deepEqual(bad.body, { error: 'Invalid asset type' });
  }
  for (const jobId of ['6cb6d335', 'ex_no-such-example']) {
    assert.deepEqual(await call(`${base}/api/status/${jobId}`).then((r) => [r.status, r.body]), [404, { error: 'Job not found' }]);
    assert.deepEqual(await call(`${base}/api/asset/${jobId}?asset_type=glb`).then((r) => [r.status, r.body]), [404, { error: 'Job not found' }]);
  }
  assert.equal((await call(`${base}/api/nothing-here`)).status, 404);
});

test('generate: no prompt is a 400, and without a text-to-image provider a 503 naming the variable to set', async () => {
  const post = (body: unknown) => call(`${base}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (const body of [{}, { prompt: '' }, { prompt: '   ' }, { prompt: 42 }]) assert.deepEqual(await post(body).then((r) => [r.status, r.body]), [400, { error: 'No prompt provided' }]);
  const refused = await post({ prompt: 'A futuristic robot cat with glowing blue eyes' });
  assert.equal(refused.status, 503);
  assert.deepEqual(Object.keys(refused.body), ['error']);
  assert.match(refused.body.error, /^provider_not_configured: .*RENDERBAY_PROVIDER_TEXT_TO_IMAGE/);
});

test('keys: keyless only from loopback with --grok3d-open; a key given is checked; CORS for the configured origin', async (t) => {
  const withKey = (value: string) => ({ headers: { authorization: `Bearer ${value}` } });
  assert.equal((await call(`${base}/api/examples`, withKey(key))).status, 200);
  assert.equal((await call(`${base}/api/examples`, withKey(otherKey))).status, 200);
  const badKey = await call(`${base}/api/examples`, withKey('rb_sk_notakey'));
  assert.equal(badKey.status, 401);
  assert.match(badKey.body.error, /^unauthorized: /);

  const preflight = await call(`${base}/api/generate`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN);
  const examples = await call(`${base}/api/examples`, { headers: { origin: ORIGIN } });
  assert.equal(examples.headers.get('access-control-allow-origin'), ORIGIN);

  if (outsideBase === null) {
    t.skip('this machine has no non-loopback IPv4 address to call from');
    return;
  }
  const outside = await call(`${outsideBase}/api/examples`);
  assert.equal(outside.status, 401, 'the open surface is open to loopback only');
  assert.match(outside.body.error, /^unauthorized: Missing API key/);
  assert.equal((await call(`${outsideBase}/api/status/ex_suzanne`)).status, 401);
  const outsideWithKey = await call(`${outsideBase}/api/examples`, withKey(key));
  assert.equal(outsideWithKey.status, 200);
  assert.equal(outsideWithKey.body.examples.length, listExamples().length);
});
