/**
 * Shared frames through the REST API: a batch of renders of one model that differ only in
 * background (colour, image, vignette) is claimed as one pass — rendered once, composited
 * per variant — while a render that differs in anything else gets its own pass; and the
 * overlays a render names are checked when it is created.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { openDatabase } from '../src/db/database.js';
import { assetType, storedAs } from '../src/renders/render-assets.js';
import { api, cli, createKey, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { pixelAt, readVideoFrame } from './helpers/media.js';

const CUBE = 'fixtures/generated/textured-cube.glb';
let dataDirectory: string;
let server: ServerProcess;
let key: string;
let otherKey: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-variants-'));
  key = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'other@example.com', '--credits', '5', '--data', dataDirectory);
  otherKey = await createKey(dataDirectory, { account: 'other@example.com' });
  server = await startServerProcess(dataDirectory);
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function uploadOverlay(apiKey: string, colour: string, layer: 'background' | 'foreground'): Promise<string> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: colour } }).png().toBuffer();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png)]), `${layer}.png`);
  form.append('layer', layer);
  const { status, body } = await api(server, apiKey, 'POST', '/overlays', form);
  assert.equal(status, 200, JSON.stringify(body));
  return body.data.id as string;
}

async function videoFrame(renderId: string) {
  const response = await fetch(`${server.url}/renders/${renderId}/video`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  const file = path.join(dataDirectory, `${renderId}.mp4`);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return { frame: await readVideoFrame(file, 0), etag: response.headers.get('etag') };
}

const near = (actual: readonly number[], expected: readonly number[], tolerance = 12) =>
  actual.slice(0, 3).every((value, channel) => Math.abs(value - expected[channel]) <= tolerance);

describe('shared frames: background variants of one model', () => {
  let modelId: string;
  let backgroundId: string;
  let foregroundId: string;

  before(async () => {
    const upload = await api(server, key, 'POST', '/models', await modelForm(CUBE));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    modelId = upload.body.data.modelId;
    backgroundId = await uploadOverlay(key, '#20c040', 'background');
    foregroundId = await uploadOverlay(key, '#ff00ff', 'foreground');
  });

  test('overlays are checked when a render is created', async () => {
    const create = (renderSettings: object, apiKey = key) => api(server, apiKey, 'POST', '/renders', { modelId, renderSettings });
    const unknown = await create({ bgImageId: 'nosuchoverlay' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'overlay_not_found');
    const wrongLayer = await create({ bgImageId: foregroundId });
    assert.equal(wrongLayer.status, 400);
    assert.equal(wrongLayer.body.error.code, 'invalid_settings');
    const wrongForeground = await create({ foregroundIds: [backgroundId] });
    assert.equal(wrongForeground.body.error.code, 'invalid_settings');
    const othersOverlay = await uploadOverlay(otherKey, '#000000', 'background');
    const foreign = await create({ bgImageId: othersOverlay });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'overlay_not_found', "another account's overlay is not found");
  });

  test('a batch differing only in background is rendered in one pass, each variant with its own background', async () => {
    const base = { aspect: '1:1', length: 3 };
    const variants = [
      { ...base, bgColor: '#ff0000' },
      { ...base, bgColor: '#0000ff', vignette: 0.8 },
      { ...base, bgImageId: backgroundId, foregroundIds: [foregroundId] },
    ];
    const different = { ...base, bgColor: '#ff0000', rotateY: 90 };
    const { status, body } = await api(server, key, 'POST', '/renders/batch', { renders: [...variants, different].map((renderSettings) => ({ modelId, renderSettings })) });
    assert.equal(status, 201, JSON.stringify(body));
    const ids = body.data.map((item: { id: string }) => item.id) as string[];
    const done = await Promise.all(ids.map((id) => waitForRender(server, key, id, 180_000)));
    for (const { render } of done) assert.equal(render.status, 'done', render.errorMessage);

    // One pass: the three variants were claimed together (one transaction, one timestamp)
    // and finished together; the render with another camera angle was not merged.
    const db = openDatabase(dataDirectory);
    try {
      const rows = ids.map((id) => db.prepare('SELECT started_at, finished_at, attempts FROM renders WHERE id = ?').get(id) as { started_at: string; finished_at: string });
      assert.equal(rows[1].started_at, rows[0].started_at);
      assert.equal(rows[2].started_at, rows[0].started_at);
      assert.equal(rows[1].finished_at, rows[0].finished_at);
      assert.notEqual(rows[3].started_at, rows[0].started_at, 'a different camera angle is a different pass');
    } finally {
      db.close();
    }

    const frames = await Promise.all(ids.map(videoFrame));
    assert.equal(new Set(frames.map((frame) => frame.etag)).size, 4, 'every render has its own video');
    const [red, blue, image] = frames.map(({ frame }) => frame);
    const centreTop = (frame: typeof red) => pixelAt(frame, Math.round(frame.width / 2), 4);
    assert.ok(near(centreTop(red), [255, 0, 0]), `red variant: ${centreTop(red)}`);
    const blueTop = centreTop(blue);
    assert.ok(blueTop[0] < 12 && blueTop[1] < 12 && blueTop[2] > 150, `blue variant (under a vignette): ${blueTop}`);
    const corner = pixelAt(blue, 2, 2);
    assert.ok(corner[2] < centreTop(blue)[2] - 20, `vignette darkens the corners: ${corner} vs ${centreTop(blue)}`);
    // The foreground (64×64 magenta, top-left, sized for a 1080 short side) covers the
    // top-left 32×32 pixels of a 540×540 frame; the background image shows elsewhere.
    assert.ok(near(pixelAt(image, 8, 8), [255, 0, 255]), `foreground on top: ${pixelAt(image, 8, 8)}`);
    assert.ok(near(pixelAt(image, image.width - 8, 8), [0x20, 0xc0, 0x40]), `background image: ${pixelAt(image, image.width - 8, 8)}`);
  });
});

describe('render creation checks the animation clip against the model', () => {
  test('an unknown clip is invalid_settings listing the clips; a known one or "*" is queued', async () => {
    const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/rigid-clips.glb'));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const { modelId } = upload.body.data;
    const unknown = await api(server, key, 'POST', '/renders', { modelId, renderSettings: { animation: 'dance' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'invalid_settings');
    assert.match(unknown.body.error.message, /dance.*spin, bob, animation_2/);
    const batch = await api(server, key, 'POST', '/renders/batch', { renders: [{ modelId, renderSettings: { animation: 'bob' } }, { modelId, renderSettings: { animation: 'nope' } }] });
    assert.equal(batch.status, 400, 'all or nothing');
    assert.match(batch.body.error.message, /^renders\[1\]: /);
    const stillModel = await api(server, key, 'POST', '/renders', { modelId: (await api(server, key, 'GET', '/models?limit=100')).body.data.find((model: { originalName: string }) => model.originalName === 'textured-cube.glb').id, renderSettings: { animation: '*' } });
    assert.equal(stillModel.status, 400);
    assert.match(stillModel.body.error.message, /no animations/);
    const withSettings = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/rigid-clips.glb', { animation: 'wobble' }));
    assert.equal(withSettings.status, 400, 'an upload whose paid render names a missing clip is refused');
    const known = await api(server, key, 'POST', '/renders', { modelId, renderSettings: { animation: 'spin', animationSpeed: 2 } });
    assert.equal(known.status, 201, JSON.stringify(known.body));
    await api(server, key, 'DELETE', `/renders/${known.body.data.id}`);
  });
});

describe('asset types', () => {
  test("pro's video is served as the QuickTime file it is; other assets keep their usual type", () => {
    const mov = storedAs('video', { key: 'abc', size: 1 }, '/work/out/video.mov');
    assert.deepEqual(assetType('video', mov), { contentType: 'video/quicktime', fileName: 'video.mov' });
    const mp4 = storedAs('video', { key: 'abc', size: 1 }, '/work/out/video.mp4');
    assert.equal(mp4.fileName, undefined);
    assert.deepEqual(assetType('video', mp4), { contentType: 'video/mp4', fileName: 'video.mp4' });
  });
});
