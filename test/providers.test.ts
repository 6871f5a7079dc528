/**
 * Each provider adapter against a local server on 127.0.0.1 that answers as that service's
 * documentation specifies (test/helpers/provider-servers.ts): success, its error shape,
 * 429 with Retry-After (honoured, and refused when too long), task polling, and the
 * address guard on every URL a service hands back. Also the registry: what is configured,
 * what is missing, and `provider_not_configured` naming the variable to set.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { RenderbayError } from '../src/errors.js';
import { providerStatus, requireProvider } from '../src/providers/provider-registry.js';
import type { ProviderCall, SourceImage } from '../src/providers/provider-types.js';
import { API_KEY, providerEnvironment, startMeshy, startOpenAiImages, startRunway, testPicture, type ProviderServer } from './helpers/provider-servers.js';

let images: ProviderServer;
let xai: ProviderServer;
let meshy: ProviderServer;
let runway: ProviderServer;
let scratch: string;
const picture: SourceImage = { bytes: Buffer.alloc(0), contentType: 'image/png' };

before(async () => {
  [images, xai, meshy, runway] = await Promise.all([startOpenAiImages(), startOpenAiImages(), startMeshy(), startRunway()]);
  picture.bytes = await testPicture();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'providers-test-'));
});
after(async () => {
  await Promise.all([images, xai, meshy, runway].map((server) => server?.close()));
  await rm(scratch, { recursive: true, force: true });
});

function reset(server: ProviderServer): void {
  server.requests.length = 0;
  Object.assign(server.script, { rateLimited: 0, retryAfter: '1', outcome: 'succeed', pollsBeforeDone: 1, delayMs: 0 });
}

async function call(onProgress?: (fraction: number) => void): Promise<ProviderCall> {
  return { signal: AbortSignal.timeout(60_000), workDirectory: await mkdtemp(path.join(scratch, 'call-')), onProgress };
}

const env = () => providerEnvironment({ images, meshy, runway });
const guarded = { allowPrivate: false };

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RenderbayError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('OpenAI Images API', () => {
  test('text to image: POST /v1/images/generations with the key, the image from data[0].b64_json', async () => {
    reset(images);
    const bytes = await requireProvider('text-to-image', guarded, env()).generateImage('a red chair', await call());
    assert.deepEqual((await sharp(bytes).metadata()).width, 96);
    const [request] = images.requests;
    assert.equal(request.path, '/v1/images/generations');
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.deepEqual(JSON.parse(request.body.toString()), { model: 'gpt-image-1', prompt: 'a red chair', n: 1, size: '1024x1024' });
  });

  test('429 with Retry-After: waits that long and tries again', async () => {
    reset(images);
    images.script.rateLimited = 1;
    images.script.retryAfter = '1';
    await requireProvider('text-to-image', guarded, env()).generateImage('a lamp', await call());
    assert.equal(images.requests.length, 2);
    assert.ok(images.requests[1].at - images.requests[0].at >= 950, `retried after ${images.requests[1].at - images.requests[0].at} ms`);
  });

  test('429 asking for longer than Renderbay waits fails at once; the error shape gives the message', async () => {
    reset(images);
    images.script.rateLimited = 1;
    images.script.retryAfter = '3600';
    await rejectsWith(requireProvider('text-to-image', guarded, env()).generateImage('a lamp', await call()), 'provider_failed', /asked to wait 3600 s/);
    assert.equal(images.requests.length, 1);
    reset(images);
    images.script.outcome = 'fail';
    await rejectsWith(requireProvider('text-to-image', guarded, env()).generateImage('a lamp', await call()), 'provider_failed', /^openai: .*HTTP 400: Your request was rejected as a result of our safety system\.$/);
    const wrongKey = { ...env(), OPENAI_API_KEY: 'not-the-key' };
    await rejectsWith(requireProvider('text-to-image', guarded, wrongKey).generateImage('a lamp', await call()), 'provider_failed', /HTTP 401: Incorrect API key provided/);
  });

  test('image to image: POST /v1/images/edits as multipart with the image and the restyle prompt', async () => {
    reset(images);
    const bytes = await requireProvider('image-to-image', guarded, env()).restyleImage(picture, { kind: 'staging', prompt: 'cosy', architecturalStyle: 'Scandinavian' }, await call());
    assert.ok(bytes.length > 0);
    const body = images.requests[0].body.toString('latin1');
    assert.match(String(images.requests[0].headers['content-type']), /^multipart\/form-data; boundary=/);
    assert.match(body, /name="image"; filename="image.png"\r\nContent-Type: image\/png/);
    assert.match(body, /Virtually stage this space.*Architectural style: Scandinavian\. cosy/s);
  });
});

test('xAI: the same route with model grok-2-image and response_format b64_json', async () => {
  reset(xai);
  const bytes = await requireProvider('text-to-image', guarded, providerEnvironment({ xai })).generateImage('a robot cat', await call());
  assert.ok(bytes.subarray(1, 4).toString() === 'PNG');
  assert.deepEqual(JSON.parse(xai.requests[0].body.toString()), { model: 'grok-2-image', prompt: 'a robot cat', n: 1, response_format: 'b64_json' });
});

describe('Meshy Image to 3D', () => {
  test('creates a task with the image as a data URI, polls it, downloads model_urls.glb', async () => {
    reset(meshy);
    const progress: number[] = [];
    const file = await requireProvider('image-to-3d', guarded, env()).generateModel(picture, await call((fraction) => progress.push(fraction)));
    assert.deepEqual(await readFile(file), await readFile('fixtures/sample/Suzanne.glb'));
    assert.deepEqual(progress, [0.5, 1]);
    const create = JSON.parse(meshy.requests[0].body.toString()) as { image_url: string };
    assert.ok(create.image_url.startsWith('data:image/png;base64,'));
    const download = meshy.requests.find((request) => request.path === '/assets/model.glb')!;
    assert.equal(download.headers.authorization, undefined, 'the key is not sent with a returned URL');
  });

  test('a FAILED task fails with its task_error.message; 429 on create is retried after Retry-After', async () => {
    reset(meshy);
    meshy.script.outcome = 'fail';
    meshy.script.rateLimited = 1;
    await rejectsWith(requireProvider('image-to-3d', guarded, env()).generateModel(picture, await call()), 'provider_failed', /failed: The image does not show an object/);
    assert.equal(meshy.requests.filter((request) => request.method === 'POST').length, 2);
  });

  test('a model URL at a private address is refused by the address guard (nothing is fetched from it)', async () => {
    reset(meshy);
    meshy.script.outcome = 'private';
    await rejectsWith(requireProvider('image-to-3d', guarded, env()).generateModel(picture, await call()), 'invalid_url', /Refusing to connect to 127\.0\.0\.2/);
    assert.ok(!meshy.requests.some((request) => request.path.startsWith('/assets/')));
  });
});

describe('Runway image to video', () => {
  test('sends X-Runway-Version, polls /v1/tasks/:id, downloads output[0]', async () => {
    reset(runway);
    const file = await requireProvider('image-to-video', guarded, env()).animateImage(picture, 'slow pan', await call());
    assert.equal((await readFile(file)).subarray(4, 8).toString(), 'ftyp');
    const create = runway.requests[0];
    assert.equal(create.headers['x-runway-version'], '2024-11-06');
    assert.equal((JSON.parse(create.body.toString()) as { promptText: string }).promptText, 'slow pan');
  });

  test('a FAILED task fails with its failure message', async () => {
    reset(runway);
    runway.script.outcome = 'fail';
    await rejectsWith(requireProvider('image-to-video', guarded, env()).animateImage(picture, null, await call()), 'provider_failed', /Input image was flagged by moderation/);
  });
});

describe('the registry', () => {
  test('nothing configured: every capability lists what to set; a call is refused with provider_not_configured (503)', () => {
    const status = providerStatus({});
    assert.deepEqual(status.map((entry) => [entry.capability, entry.configured, entry.missing]), [
      ['text-to-image', false, ['RENDERBAY_PROVIDER_TEXT_TO_IMAGE']],
      ['image-to-3d', false, ['RENDERBAY_PROVIDER_IMAGE_TO_3D']],
      ['image-to-image', false, ['RENDERBAY_PROVIDER_IMAGE_TO_IMAGE']],
      ['image-to-video', false, ['RENDERBAY_PROVIDER_IMAGE_TO_VIDEO']],
    ]);
    assert.throws(
      () => requireProvider('image-to-3d', guarded, {}),
      (error: RenderbayError) => error.code === 'provider_not_configured' && error.status === 503 && /^set RENDERBAY_PROVIDER_IMAGE_TO_3D to meshy/.test(error.message),
    );
  });

  test('an adapter without its key, or an unknown adapter, says which variable to set; a key is never shown', () => {
    const status = providerStatus({ RENDERBAY_PROVIDER_IMAGE_TO_3D: 'meshy', RENDERBAY_PROVIDER_TEXT_TO_IMAGE: 'dall-e', ...providerEnvironment({ runway }) });
    const byCapability = Object.fromEntries(status.map((entry) => [entry.capability, entry]));
    assert.deepEqual(byCapability['image-to-3d'].missing, ['MESHY_API_KEY']);
    assert.match(byCapability['text-to-image'].problem!, /it is "dall-e", which is not an adapter/);
    assert.equal(byCapability['image-to-video'].configured, true);
    assert.equal(byCapability['image-to-video'].baseUrl, runway.url);
    assert.ok(!JSON.stringify(status).includes(API_KEY));
  });
});
