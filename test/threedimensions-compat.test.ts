/**
 * The 3Dimensions surface (/compat/3dimensions) against a real `renderbay serve`: the
 * document's curl example with a `model_id` (our addition) in place of the viewport image
 * blocks until the studio has rendered a real 2k still under "Golden Hour" and answers its
 * URL, cost and the balance; /me, /styles (our lighting presets by display label, costs),
 * uploads that serve back what was stored; an image render without a provider answers 503
 * `provider_not_configured` and costs nothing; 400/401/402 in the document's error shape;
 * another account's render is a 404; without --grok3d-open the Grok 3D surface wants a key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { api, cli, createKey, modelForm, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { curl, type CurlResult } from './helpers/curl.js';

const CUBE = path.resolve('fixtures/generated/textured-cube.glb');
const PNG = path.resolve('fixtures/generated/overlay-logo-opaque.png');

let dataDirectory: string;
let server: ServerProcess;
/** http://127.0.0.1:PORT/compat/3dimensions */
let base: string;
let key: string;
let otherKey: string;
let brokeKey: string;
let modelId: string;

const bearer = (value: string) => ['-H', `Authorization: Bearer ${value}`];
const json = (body: unknown) => ['-H', 'Content-Type: application/json', '-d', JSON.stringify(body)];

function expectDimensionsError(result: CurlResult, status: number, code: string, message?: RegExp): void {
  assert.equal(result.status, status, result.text);
  assert.deepEqual(Object.keys(result.body.error).sort(), ['code', 'message'], result.text);
  assert.equal(result.body.error.code, code, result.text);
  if (message) assert.match(result.body.error.message, message);
}

const balance = async (value: string) => (await curl(`${base}/api/v1/me`, ...bearer(value))).body.credits as number;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-3dimensions-'));
  for (const [email, credits] of [['a@example.com', '100'], ['b@example.com', '100'], ['broke@example.com', '0']]) {
    await cli('accounts', 'create', '--email', email, '--credits', credits, '--data', dataDirectory);
  }
  key = await createKey(dataDirectory, { account: 'a@example.com' });
  otherKey = await createKey(dataDirectory, { account: 'b@example.com' });
  brokeKey = await createKey(dataDirectory, { account: 'broke@example.com' });
  server = await startServerProcess(dataDirectory);
  base = server.url.replace(/\/v1$/, '/compat/3dimensions');
  const uploaded = await api(server, key, 'POST', '/models', await modelForm(CUBE));
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  modelId = uploaded.body.data.modelId ?? uploaded.body.data.id;
});

after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

test("the document's curl example with a model_id returns a real 2k render under Golden Hour", async () => {
  const before = await balance(key);
  const result = await curl(
    '-X', 'POST', `${base}/api/v1/renders`,
    '-H', `Authorization: Bearer ${key}`,
    '-H', 'Content-Type: application/json',
    '-d', JSON.stringify({ model_id: modelId, scene_type: 'exterior', resolution: '2k', architectural_style: 'Modern', lighting: 'Golden Hour', prompt: 'warm evening light, lush landscaping', source: 'api' }),
  );
  assert.equal(result.status, 200, result.text);
  const { render, credits } = result.body;
  assert.equal(render.status, 'done', result.text);
  assert.equal(render.credits_used, 2, 'one 2k still');
  assert.equal(credits, before - 2);
  assert.equal(await balance(key), credits);

  // The output URL opens without a key (it is signed), as a page or plugin would fetch it.
  const image = await fetch(render.output_image_url);
  assert.equal(image.status, 200);
  const bytes = Buffer.from(await image.arrayBuffer());
  const { format, width, height } = await sharp(bytes).metadata();
  assert.deepEqual([format, width, height], ['jpeg', 2560, 1440]);
  const { channels } = await sharp(bytes).stats();
  assert.ok(channels.some((channel) => channel.stdev > 10), 'the cube is in the picture');
  // Golden Hour is warm: the red channel outweighs the blue.
  assert.ok(channels[0].mean > channels[2].mean, `warm light (R ${channels[0].mean.toFixed(1)} vs B ${channels[2].mean.toFixed(1)})`);

  const fetched = await curl(`${base}/api/v1/renders/${render.id}`, ...bearer(key));
  assert.equal(fetched.status, 200);
  assert.equal(fetched.body.render.id, render.id);
  assert.equal(fetched.body.render.status, 'done');
  assert.equal(fetched.body.render.credits_used, 2);
  expectDimensionsError(await curl(`${base}/api/v1/renders/${render.id}`, ...bearer(otherKey)), 404, 'render_not_found');
  expectDimensionsError(await curl(`${base}/api/v1/renders/nosuchrender`, ...bearer(key)), 404, 'render_not_found');
});

test('me, styles with the studio lighting labels and costs; keys are checked', async () => {
  const me = await curl(`${base}/api/v1/me`, ...bearer(otherKey));
  assert.equal(me.status, 200);
  assert.equal(me.body.account.email, 'b@example.com');
  assert.equal(me.body.credits, 100);
  assert.equal(typeof me.body.plan, 'string');

  const styles = await curl(`${base}/api/v1/styles`, ...bearer(key));
  assert.equal(styles.status, 200);
  assert.deepEqual(styles.body.scene_types.map((type: { id: string }) => type.id).sort(), ['exterior', 'interior']);
  assert.ok(styles.body.lighting.some((preset: { id: string; label: string }) => preset.id === 'golden-hour' && preset.label === 'Golden Hour'));
  assert.ok(styles.body.styles.some((style: { label: string }) => style.label === 'Modern'));
  assert.deepEqual(styles.body.costs.model.render, { '2k': 2, '4k': 4 });
  assert.deepEqual(Object.keys(styles.body.costs.image).sort(), ['enhance', 'refine', 'staging', 'video']);

  expectDimensionsError(await curl(`${base}/api/v1/me`), 401, 'unauthorized');
  expectDimensionsError(await curl(`${base}/api/v1/me`, ...bearer('tds_live_XXXXXXXX')), 401, 'unauthorized');

  // This server runs without --grok3d-open: the Grok 3D surface wants a key from loopback too.
  const grok = server.url.replace(/\/v1$/, '/compat/grok3d');
  const keyless = await curl(`${grok}/api/examples`);
  assert.equal(keyless.status, 401, keyless.text);
  assert.match(keyless.body.error, /^unauthorized: Missing API key/);
  assert.equal((await curl(`${grok}/api/examples`, ...bearer(key))).status, 200);
});

test('uploads serve back what was stored; an image render without a provider is a 503 that costs nothing', async () => {
  const png = await readFile(PNG);
  const upload = await curl('-X', 'POST', `${base}/api/v1/uploads`, ...bearer(key), ...json({ image_base64: `data:image/png;base64,${png.toString('base64')}` }));
  assert.equal(upload.status, 201, upload.text);
  assert.ok(upload.body.upload.url.startsWith(`${base}/files/uploads/`));
  const served = await fetch(upload.body.upload.url);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(png));
  expectDimensionsError(await curl('-X', 'POST', `${base}/api/v1/uploads`, ...bearer(key), ...json({ image_base64: Buffer.from('not an image').toString('base64') })), 400, 'invalid_image');

  const before = await balance(key);
  for (const body of [
    { image_url: upload.body.upload.url, kind: 'refine', prompt: 'warm evening light', architectural_style: 'Modern' },
    { image_base64: png.toString('base64'), kind: 'staging' },
    { image_url: upload.body.upload.url }, // the document's default kind
  ]) {
    expectDimensionsError(await curl('-X', 'POST', `${base}/api/v1/renders`, ...bearer(key), ...json(body)), 503, 'provider_not_configured', /RENDERBAY_PROVIDER_IMAGE_TO_IMAGE/);
  }
  expectDimensionsError(await curl('-X', 'POST', `${base}/api/v1/renders`, ...bearer(key), ...json({ image_url: upload.body.upload.url, kind: 'video' })), 503, 'provider_not_configured', /RENDERBAY_PROVIDER_/);
  assert.equal(await balance(key), before, 'nothing was charged');
});

test('bad requests are 400s, an empty balance a 402, and loopback image URLs are refused', async () => {
  const post = (value: string, body: unknown) => curl('-X', 'POST', `${base}/api/v1/renders`, ...bearer(value), ...json(body));
  expectDimensionsError(await post(key, {}), 400, 'invalid_request', /image_url, image_base64 or model_id/);
  expectDimensionsError(await post(key, { model_id: modelId, lighting: 'Disco' }), 400, 'invalid_request', /"Golden Hour"/);
  expectDimensionsError(await post(key, { model_id: modelId, resolution: '8k' }), 400, 'invalid_request', /2k, 4k/);
  expectDimensionsError(await post(key, { model_id: modelId, kind: 'staging' }), 400, 'invalid_request');
  expectDimensionsError(await post(key, { model_id: modelId, scene_type: 'underwater' }), 400, 'invalid_request');
  expectDimensionsError(await post(key, { image_url: 'http://127.0.0.1:9/view.png', kind: 'refine' }), 400, 'invalid_url');
  expectDimensionsError(await post(otherKey, { model_id: modelId }), 404, 'model_not_found');
  expectDimensionsError(await curl('-X', 'POST', `${base}/api/v1/renders`, ...bearer(key), '-H', 'Content-Type: application/json', '-d', '{not json'), 400, 'invalid_json');

  const broke = await curl('-X', 'POST', `${base}/api/v1/uploads`, ...bearer(brokeKey), ...json({ image_base64: (await readFile(PNG)).toString('base64') }));
  assert.equal(broke.status, 201, 'storing an upload is free');
  const brokeModel = await api(server, brokeKey, 'POST', '/models', await modelForm(CUBE));
  assert.equal(brokeModel.status, 201, JSON.stringify(brokeModel.body));
  const brokeModelId = brokeModel.body.data.modelId ?? brokeModel.body.data.id;
  // Every kind, framing and resolution makes valid, priced render settings: each is refused only for the balance.
  for (const variant of [{}, { scene_type: 'interior', resolution: '4k', lighting: 'night' }, { kind: 'video' }, { kind: 'video', scene_type: 'interior', resolution: '4k' }]) {
    expectDimensionsError(await post(brokeKey, { model_id: brokeModelId, ...variant }), 402, 'no_credits', /Not enough credits/);
  }
});
