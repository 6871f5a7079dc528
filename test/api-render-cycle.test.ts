/**
 * The REST API's main path on a real server: upload → poll through the status flow →
 * download every asset (ranges, caching, bundle), dedup, batch grouping and credits,
 * deleting a model mid-render, and a crash (SIGKILL) mid-render with a restart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { buffer as readAll } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { openDatabase } from '../src/db/database.js';
import { api, createKey, modelForm, startServerProcess, tempLeftovers, waitForRender, waitForStatus, type ServerProcess } from './helpers/api-server.js';
import { probe } from './helpers/media.js';

const run = promisify(execFile);
const CUBE = 'fixtures/generated/textured-cube.glb';
const WIDE = 'fixtures/generated/wide.glb';
let dataDirectory: string;
let server: ServerProcess;
let key: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-cycle-'));
  key = await createKey(dataDirectory);
  server = await startServerProcess(dataDirectory);
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function download(route: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function zipEntries(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) entries.set(entry.fileName, await readAll(await zip.openReadStreamPromise(entry)));
  return entries;
}

describe('REST API render cycle', () => {
  let modelId: string;
  let renderId: string;

  test('upload with renderSettings → 201, a free system preview and a paid render', async () => {
    const { status, body } = await api(server, key, 'POST', '/models', await modelForm(CUBE, { aspect: '1:1', bgColor: '#000000', length: 3 }));
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body.data.duplicate, false);
    assert.match(body.data.modelId, /^[A-Za-z0-9]{12}$/);
    ({ modelId, renderId } = body.data);
    const model = (await api(server, key, 'GET', `/models/${modelId}`)).body.data;
    assert.equal(model.originalName, 'textured-cube.glb');
    assert.equal(model.renders.length, 2, 'preview + paid render');
    const account = (await api(server, key, 'GET', '/account')).body.data;
    assert.equal(account.credits, 99, 'share costs 1 credit; the preview is free');
  });

  test('the render goes pending → poster-processing → poster-done → video-processing → done with progress', async () => {
    const { render, statuses } = await waitForRender(server, key, renderId);
    assert.equal(render.status, 'done', render.errorMessage);
    const order = ['pending', 'poster-processing', 'poster-done', 'video-processing', 'done'];
    const positions = statuses.map((status) => order.indexOf(status));
    assert.ok(positions.every((position) => position >= 0), `unexpected status in ${statuses}`);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `statuses out of order: ${statuses}`);
    // poster-done lasts while the video renders and encodes; video-processing (storing the outputs) is brief.
    assert.ok(statuses.includes('poster-done'), `seen: ${statuses}`);
    assert.equal(render.progress, 100);
    assert.equal(render.hasWebVariant, true);
    assert.ok(render.fileSize > 1000);
    assert.deepEqual(render.renderSettings.aspect, '1:1');
    const model = (await api(server, key, 'GET', `/models/${modelId}`)).body.data;
    assert.equal(model.status, 'valid', 'the system preview marked the model valid');
  });

  test('assets download with the right types, sizes and caching', async () => {
    const video = await download(`/renders/${renderId}/video`);
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('content-type'), 'video/mp4');
    assert.match(video.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(video.headers.get('accept-ranges'), 'bytes');
    const file = path.join(dataDirectory, 'downloaded.mp4');
    await writeFile(file, video.bytes);
    const facts = await probe(file);
    assert.deepEqual([facts.codec, facts.width, facts.height, facts.frameCount], ['h264', 540, 540, 90]);

    const web = await download(`/renders/${renderId}/video?quality=web`);
    assert.equal(web.status, 200);
    assert.ok(web.bytes.length < video.bytes.length);
    const poster = await download(`/renders/${renderId}/poster`);
    const fullPoster = await download(`/renders/${renderId}/poster?quality=full`);
    assert.equal(poster.headers.get('content-type'), 'image/png');
    const [small, full] = await Promise.all([sharp(poster.bytes).metadata(), sharp(fullPoster.bytes).metadata()]);
    assert.deepEqual([full.width, full.height], [540, 540], 'quality=full is the full-resolution first frame');
    assert.deepEqual([small.width, small.height], [480, 480], 'the default poster is the small preview');
    const thumb = await download(`/renders/${renderId}/thumb`);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'video/mp4');
  });

  test('Range requests return exact partial content; ETag revalidation answers 304', async () => {
    const whole = await download(`/renders/${renderId}/video`);
    const part = await download(`/renders/${renderId}/video`, { range: 'bytes=100-1099' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-1099/${whole.bytes.length}`);
    assert.deepEqual(part.bytes, whole.bytes.subarray(100, 1100));
    const tail = await download(`/renders/${renderId}/video`, { range: 'bytes=-500' });
    assert.deepEqual(tail.bytes, whole.bytes.subarray(whole.bytes.length - 500));
    const beyond = await download(`/renders/${renderId}/video`, { range: `bytes=${whole.bytes.length + 10}-` });
    assert.equal(beyond.status, 416);
    const etag = whole.headers.get('etag')!;
    assert.ok(etag);
    const cached = await download(`/renders/${renderId}/video`, { 'if-none-match': etag });
    assert.equal(cached.status, 304);
  });

  test('the bundle is a deterministic zip of every asset that caches and resumes like the others', async () => {
    const bundle = await download(`/renders/${renderId}/bundle`);
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get('content-type'), 'application/zip');
    assert.equal(bundle.headers.get('content-length'), String(bundle.bytes.length));
    assert.match(bundle.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(bundle.headers.get('accept-ranges'), 'bytes');
    const etag = bundle.headers.get('etag')!;
    assert.match(etag, /^"[0-9a-f]{64}"$/);
    const again = await download(`/renders/${renderId}/bundle`);
    assert.ok(again.bytes.equals(bundle.bytes), 'byte-identical on a second request');
    assert.equal(again.headers.get('etag'), etag);

    const entries = await zipEntries(bundle.bytes);
    assert.deepEqual([...entries.keys()], ['video.mp4', 'web.mp4', 'thumb.mp4', 'poster.png', 'poster-thumb.png'], 'a fixed order');
    const video = await download(`/renders/${renderId}/video`);
    assert.ok(entries.get('video.mp4')!.equals(video.bytes));
    assert.ok(entries.get('poster.png')!.equals((await download(`/renders/${renderId}/poster?quality=full`)).bytes));
    const zipFile = path.join(dataDirectory, 'bundle.zip');
    await writeFile(zipFile, bundle.bytes);
    assert.match((await run('unzip', ['-t', zipFile])).stdout, /No errors detected/, 'every CRC checks out');

    // Ranges: the start, across the end of video.mp4 into web.mp4's header, the tail.
    const size = bundle.bytes.length;
    const boundary = bundle.bytes.indexOf(Buffer.from('web.mp4')) - 30;
    for (const [header, start, end] of [
      ['bytes=0-999', 0, 999],
      [`bytes=${boundary - 100}-${boundary + 200}`, boundary - 100, boundary + 200],
      ['bytes=-2000', size - 2000, size - 1],
    ] as const) {
      const part = await download(`/renders/${renderId}/bundle`, { range: header });
      assert.equal(part.status, 206, header);
      assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
      assert.ok(part.bytes.equals(bundle.bytes.subarray(start, end + 1)), `${header} is the same slice of the whole zip`);
    }
    assert.equal((await download(`/renders/${renderId}/bundle`, { 'if-none-match': etag })).status, 304);
    assert.equal((await download(`/renders/${renderId}/bundle`, { range: 'bytes=5-9', 'if-range': etag })).status, 206);
    assert.equal((await download(`/renders/${renderId}/bundle`, { range: 'bytes=5-9', 'if-range': '"stale"' })).status, 200);
  });

  test('the model file downloads as a GLB attachment', async () => {
    const file = await download(`/models/${modelId}/file`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'model/gltf-binary');
    assert.match(file.headers.get('content-disposition') ?? '', /attachment; filename="textured-cube\.glb"/);
    assert.equal(file.bytes.subarray(0, 4).toString('latin1'), 'glTF');
  });

  test('uploading the same file again returns the same model with duplicate: true', async () => {
    const { status, body } = await api(server, key, 'POST', '/models', await modelForm(CUBE, undefined, 'renamed.glb'));
    assert.equal(status, 201);
    assert.equal(body.data.modelId, modelId);
    assert.equal(body.data.duplicate, true);
    const hash = await api(server, key, 'POST', '/models/check-hash', { sha256: (await api(server, key, 'GET', `/models/${modelId}`)).body.data.sha256 });
    assert.deepEqual(hash.body.data, { exists: true, modelId });
  });

  test('concurrent uploads of one file create one model', async () => {
    const forms = await Promise.all([0, 1, 2].map(() => modelForm(WIDE)));
    const results = await Promise.all(forms.map((form) => api(server, key, 'POST', '/models', form)));
    assert.deepEqual(results.map((result) => result.status), [201, 201, 201]);
    assert.equal(new Set(results.map((result) => result.body.data.modelId)).size, 1);
    assert.equal(results.filter((result) => result.body.data.duplicate === false).length, 1);
  });

  test('a batch of identical renders is debited together and rendered once', async () => {
    const before = (await api(server, key, 'GET', '/account')).body.data.credits;
    const settings = { bgColor: '#204060', length: 3 };
    const { status, body } = await api(server, key, 'POST', '/renders/batch', { renders: [{ modelId, renderSettings: settings }, { modelId, renderSettings: settings }] });
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body.data.length, 2);
    assert.equal((await api(server, key, 'GET', '/account')).body.data.credits, before - 2);
    const [first, second] = await Promise.all(body.data.map((item: { id: string }) => waitForRender(server, key, item.id)));
    assert.equal(first.render.status, 'done');
    assert.equal(second.render.status, 'done');
    const [etagA, etagB] = await Promise.all(body.data.map(async (item: { id: string }) => (await download(`/renders/${item.id}/video`)).headers.get('etag')));
    assert.equal(etagA, etagB, 'one pass published to both renders');
  });

  test('a batch the balance cannot cover creates nothing (no_credits, 402)', async () => {
    const renders = (await api(server, key, 'GET', `/renders?model=${modelId}&limit=100`)).body.meta.total;
    const credits = (await api(server, key, 'GET', '/account')).body.data.credits;
    const { status, body } = await api(server, key, 'POST', '/renders/batch', { renders: Array.from({ length: 30 }, () => ({ modelId, renderSettings: { quality: 'standard' } })) });
    assert.equal(status, 402);
    assert.equal(body.error.code, 'no_credits');
    assert.equal((await api(server, key, 'GET', `/renders?model=${modelId}&limit=100`)).body.meta.total, renders);
    assert.equal((await api(server, key, 'GET', '/account')).body.data.credits, credits);
  });

  test('deleting a model while its render runs: the render completes and stays reachable', async () => {
    const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/tall.glb', { length: 3 }));
    const { modelId: tallId, renderId: tallRender } = upload.body.data;
    const deleted = await api(server, key, 'DELETE', `/models/${tallId}`);
    assert.equal(deleted.status, 200);
    assert.equal((await api(server, key, 'GET', `/models/${tallId}`)).status, 404);
    const { render } = await waitForRender(server, key, tallRender);
    assert.equal(render.status, 'done');
    assert.equal((await download(`/renders/${tallRender}/video`)).status, 200);
  });

  test('SIGTERM mid-render stops cleanly: exit 0, the render back in the queue with its attempt intact', async () => {
    const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/draco.glb', { length: 6 }));
    const { renderId: stopped } = upload.body.data;
    await waitForStatus(server, key, stopped, 'poster-done');
    const started = performance.now();
    assert.equal(await server.stop(), 0, 'exit code 0');
    assert.ok(performance.now() - started < 10_000, 'stops promptly');
    const db = openDatabase(dataDirectory);
    const row = db.prepare('SELECT status, attempts, progress FROM renders WHERE id = ?').get(stopped) as { status: string; attempts: number; progress: number };
    db.close();
    assert.deepEqual(row, { status: 'pending', attempts: 0, progress: 0 });
    server = await startServerProcess(dataDirectory);
    const { render } = await waitForRender(server, key, stopped);
    assert.equal(render.status, 'done', render.errorMessage);
  });

  test('a server killed mid-render (SIGKILL) finishes the render after a restart, credits intact', async () => {
    const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/vertex-colours.glb', { length: 6 }));
    const { renderId: crashRender } = upload.body.data;
    const creditsBefore = (await api(server, key, 'GET', '/account')).body.data.credits;
    // Wait until the paid render is actually being rendered, then pull the plug.
    await waitForStatus(server, key, crashRender, 'poster-done');
    await server.kill();
    server = await startServerProcess(dataDirectory);
    const { render } = await waitForRender(server, key, crashRender);
    assert.equal(render.status, 'done', render.errorMessage);
    const account = (await api(server, key, 'GET', '/account')).body.data;
    assert.equal(account.credits, creditsBefore, 'no double charge, no refund for a delivered render');
    assert.deepEqual(await tempLeftovers(dataDirectory), [], 'no leftovers from the killed render');
  });
});
