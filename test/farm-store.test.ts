/**
 * The render farm's object store side, on one real s3rver (and one redis-server, control
 * plane and `renderbay worker` for real renders), all on 127.0.0.1:
 * - `serve --store-presign-seconds`: asset downloads answer 302 to a presigned URL the store
 *   honours (bytes, Range 206, content type), after the key check; forged or expired
 *   presigned URLs are refused by the store; no redirect without the setting;
 * - deleting a render and retention remove its objects; `du --store` counts them by kind;
 *   `gc --store` removes exactly the unreferenced objects and puts back, whole, a referenced
 *   one the store lost or holds cut short;
 * - a store delete racing an upload of the same content in one process never loses the
 *   object nor brings one back; a failed delete is reported and left to `gc --store`;
 * - a file removed as its upload starts fails that upload, never the process;
 * - the worker's input cache under `--scratch-max-bytes` evicts least recently used entries,
 *   never one in use.
 * Skips (saying why) only where redis-server or s3rver is not installed.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { after, before, describe, test } from 'node:test';
import { api, cli, createKey, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { farmUnavailable, FAST_FARM_ENV, freePort, startRedis, startS3, startWorker, type RedisProcess, type S3Server, type WorkerProcess } from './helpers/farm.js';
import { waitUntil } from './helpers/processes.js';
import { openDatabase } from '../src/db/database.js';
import { InputCache } from '../src/farm/input-cache.js';
import { deleteExpiredRenders } from '../src/renders/render-retention.js';
import { FileStore } from '../src/storage/file-store.js';
import { releaseFiles } from '../src/storage/file-references.js';
import { collectObjectGarbage } from '../src/storage/object-store-maintenance.js';
import { S3ObjectStore, s3ClientConfig } from '../src/storage/s3-object-store.js';

const run = promisify(execFile);
const MODEL = 'fixtures/generated/textured-cube.glb';
const still = (angle: string) => ({ output: 'stills', stills: [angle], imageSize: '96x64' });
const PRESIGN_SECONDS = 120;
const unavailable = farmUnavailable();
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('render farm object store', { skip: unavailable ?? false, timeout: 300_000 }, () => {
  let redis: RedisProcess;
  let s3: S3Server;
  let objects: S3ObjectStore;
  /** The same bucket under another prefix, for the tests that work on a store directly. */
  let unit: S3ObjectStore;
  const unitUrl = () => s3.storeUrl.replace(/\/renders$/, '/unit');
  let worker: WorkerProcess;
  let controlPlane: ServerProcess;
  let dataDirectory: string;
  let scratch: string;
  let key: string;
  let keyB: string;
  let modelId: string;
  let frontId: string;
  let sideId: string;

  const startControlPlane = (args: string[] = []) =>
    startServerProcess(dataDirectory, { args: ['--queue', redis.url, '--store', s3.storeUrl, '--concurrency', '4', ...args], env: { ...s3.env, ...FAST_FARM_ENV } });
  const storeCli = async (...args: string[]) => (await run(process.execPath, ['dist/src/cli.js', ...args, '--data', dataDirectory, '--store', s3.storeUrl, '--json'], { env: { ...process.env, ...s3.env } })).stdout;
  const listing = async () => {
    const found = new Map<string, number>();
    for await (const { key: name, size } of objects.list()) found.set(name, size);
    return found;
  };
  const get = async (url: string, headers: Record<string, string> = {}, redirect: RequestRedirect = 'manual') => {
    const response = await fetch(url, { headers, redirect });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  const bearer = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

  before(async () => {
    [redis, s3] = await Promise.all([startRedis(), startS3()]);
    // The SDK takes credentials from process.env (s3ClientConfig only the endpoint and addressing).
    Object.assign(process.env, s3.env);
    objects = S3ObjectStore.fromUrl(s3.storeUrl, s3.env);
    unit = S3ObjectStore.fromUrl(unitUrl(), s3.env);
    dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-farm-store-'));
    key = await createKey(dataDirectory);
    await cli('accounts', 'create', '--email', 'b@example.com', '--credits', '5', '--data', dataDirectory);
    keyB = await createKey(dataDirectory, { account: 'b@example.com' });
    controlPlane = await startControlPlane();
    worker = await startWorker(redis, s3, { concurrency: 2 });
    scratch = worker.scratch;
    const upload = await api(controlPlane, key, 'POST', '/models', await modelForm(MODEL, still('front')));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    ({ modelId, renderId: frontId } = upload.body.data);
    // The free preview video an upload also gets is not needed here: deleted, its pass stops.
    const listed = await api(controlPlane, key, 'GET', '/renders');
    for (const render of listed.body.data as { id: string; isSystemPreview: boolean }[]) {
      if (render.isSystemPreview) assert.equal((await api(controlPlane, key, 'DELETE', `/renders/${render.id}`)).status, 200);
    }
    const side = await api(controlPlane, key, 'POST', '/renders', { modelId, renderSettings: still('side') });
    assert.equal(side.status, 201, JSON.stringify(side.body));
    sideId = side.body.data.id;
    for (const id of [frontId, sideId]) assert.equal((await waitForRender(controlPlane, key, id, 180_000)).render.status, 'done');
  });
  after(async () => {
    await worker?.kill();
    await controlPlane?.kill();
    objects?.close();
    unit?.close();
    await Promise.allSettled([redis?.stop(), s3?.stop()]);
    for (const folder of [dataDirectory, scratch]) if (folder) await rm(folder, { recursive: true, force: true });
  });

  test('without --store-presign-seconds assets stream from the control plane: no redirect', async () => {
    const poster = await get(`${controlPlane.url}/renders/${frontId}/poster`, bearer(key));
    assert.equal(poster.status, 200);
    assert.equal(poster.headers.get('location'), null);
    const etag = (poster.headers.get('etag') ?? '').replaceAll('"', '');
    assert.equal(etag, sha256(poster.bytes));
    assert.equal(await objects.sizeOf(etag), poster.bytes.length, 'the worker put the poster in the store');
  });

  test('with --store-presign-seconds: 302 to a presigned URL after the key check; Range, type and bytes from the store; forged or expired URLs refused', async () => {
    const streamed = await get(`${controlPlane.url}/renders/${frontId}/poster`, bearer(key));
    await controlPlane.stop();
    controlPlane = await startControlPlane(['--store-presign-seconds', String(PRESIGN_SECONDS)]);
    const posterUrl = `${controlPlane.url}/renders/${frontId}/poster`;

    const redirect = await get(posterUrl, bearer(key));
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${s3.endpoint}/`), location);
    assert.match(location, new RegExp(`X-Amz-Expires=${PRESIGN_SECONDS}(&|$)`));
    assert.equal(redirect.headers.get('cache-control'), 'private, max-age=60', 'short, private, never immutable');

    const followed = await get(posterUrl, bearer(key), 'follow');
    assert.equal(followed.status, 200);
    assert.equal(followed.headers.get('content-type'), 'image/png');
    assert.deepEqual(followed.bytes, streamed.bytes);
    const part = await get(posterUrl, { ...bearer(key), range: 'bytes=10-29' }, 'follow');
    assert.equal(part.status, 206, 'the client sends Range to the store, which answers it');
    assert.equal(part.headers.get('content-range'), `bytes 10-29/${streamed.bytes.length}`);
    assert.deepEqual(part.bytes, streamed.bytes.subarray(10, 30));
    const still = await get(`${controlPlane.url}/renders/${frontId}/stills/front`, bearer(key), 'follow');
    assert.equal(still.status, 200);
    assert.equal(still.headers.get('content-type'), 'image/png');

    // Authorisation first: never a redirect for a wrong key or another account's render.
    for (const [headers, status] of [[{}, 401], [bearer('rb_live_wrong'), 401], [bearer(keyB), 404]] as const) {
      const refused = await get(posterUrl, headers);
      assert.equal(refused.status, status);
      assert.equal(refused.headers.get('location'), null);
    }
    // A revalidation is answered here (304), the zipped bundle is made here.
    assert.equal((await get(posterUrl, { ...bearer(key), 'if-none-match': streamed.headers.get('etag')! })).status, 304);
    const bundle = await get(`${controlPlane.url}/renders/${frontId}/bundle`, bearer(key));
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get('content-type'), 'application/zip');

    // The store refuses what it did not sign and what expired. (s3rver checks the credential and
    // the expiry of a SigV4 URL but not the signature itself, which AWS S3 and MinIO also check.)
    const forged = new URL(location);
    forged.searchParams.set('X-Amz-Credential', (forged.searchParams.get('X-Amz-Credential') ?? '').replace(/^[^/]+/, 'FORGEDKEY'));
    assert.equal((await get(forged.href)).status, 403);
    const backdated = new URL(location);
    backdated.searchParams.set('X-Amz-Date', '20200101T000000Z');
    assert.equal((await get(backdated.href)).status, 403);
    const shortLived = await objects.presignedUrl((streamed.headers.get('etag') ?? '').replaceAll('"', ''), 1, 'image/png');
    await waitUntil('the one-second presigned URL to expire at the store', async () => (await get(shortLived)).status === 403, 15_000);

    // Signed share URLs redirect too (for no longer than they live); share pages stream here.
    const embed = await api(controlPlane, key, 'GET', `/renders/${frontId}/embed?ttl=600`);
    assert.equal(embed.status, 200, JSON.stringify(embed.body));
    const signed = await get(embed.body.data.posterUrl);
    assert.equal(signed.status, 302);
    assert.deepEqual((await get(embed.body.data.posterUrl, {}, 'follow')).bytes, streamed.bytes);
    assert.equal((await get(embed.body.data.posterUrl.replace(/sig=[0-9a-f]/, 'sig=x'))).status, 403);
    const origin = new URL(controlPlane.url).origin;
    assert.equal((await get(`${origin}/portal/v/${frontId}`)).status, 200);
    const sharedPoster = await get(`${origin}/portal/v/${frontId}/poster.png`);
    assert.equal(sharedPoster.status, 200);
    assert.deepEqual(sharedPoster.bytes, streamed.bytes);
  });

  test('deleting a render removes the objects only it used; the model’s stay', async () => {
    const sideStill = await get(`${controlPlane.url}/renders/${sideId}/stills/side`, bearer(key), 'follow');
    assert.equal(sideStill.status, 200);
    const sideKey = sha256(sideStill.bytes);
    const before = await listing();
    assert.ok(before.has(sideKey));
    assert.equal((await api(controlPlane, key, 'DELETE', `/renders/${sideId}`)).status, 200);
    await waitUntil('the deleted render’s still to leave the store', async () => (await objects.sizeOf(sideKey)) === null, 30_000);
    const left = await listing();
    for (const [name] of before) if (name !== sideKey) assert.ok(left.has(name) || !(await isReferenced(name)), `${name} still referenced but gone`);
  });

  /** What the data directory's rule says about a key (read-only look at the database). */
  async function isReferenced(name: string): Promise<boolean> {
    const { isFileReferenced } = await import('../src/storage/file-references.js');
    const db = openDatabase(dataDirectory);
    try {
      return isFileReferenced(db, name);
    } finally {
      db.close();
    }
  }

  test('du --store counts the objects by kind; gc --store removes exactly the unreferenced ones and puts back a referenced one the store lost or holds cut short', async () => {
    const orphans: { key: string; size: number }[] = [];
    for (const size of [1000, 2345]) {
      const bytes = randomBytes(size);
      const file = path.join(scratch, `orphan-${size}`);
      await writeFile(file, bytes);
      orphans.push({ key: sha256(bytes), size });
      await objects.put(sha256(bytes), file);
    }
    const before = await listing();
    const usage = JSON.parse(await storeCli('du'));
    const sum = (map: Map<string, number>) => [...map.values()].reduce((total, size) => total + size, 0);
    assert.deepEqual(usage.objectStore.unreferenced, { files: 2, bytes: 3345 });
    assert.deepEqual(usage.objectStore.total, { files: before.size, bytes: sum(before) });
    // Every file the control plane placed went to the store too: the same counts as its data directory.
    assert.deepEqual(usage.objectStore.models, usage.store.models);
    assert.deepEqual(usage.objectStore.renders, usage.store.renders);
    assert.ok(usage.objectStore.models.files >= 1 && usage.objectStore.renders.files >= 1, JSON.stringify(usage.objectStore));

    // A referenced object lost (as a delete crossing an upload on another process could): gc puts it back.
    const poster = await get(`${controlPlane.url}/renders/${frontId}/poster`, bearer(key), 'follow');
    const posterKey = sha256(poster.bytes);
    await objects.remove(posterKey);
    // And one held cut short (as an upload a killed worker left behind on some S3 servers): gc puts the whole file back.
    const model = await get(`${controlPlane.url}/models/${modelId}/file`, bearer(key), 'follow');
    assert.equal(model.status, 200);
    const modelKey = sha256(model.bytes);
    const cutShort = path.join(scratch, 'cut-short');
    await writeFile(cutShort, model.bytes.subarray(0, 1000));
    await objects.put(modelKey, cutShort);
    const report = JSON.parse(await storeCli('gc'));
    assert.deepEqual({ files: report.objectStore.files, bytes: report.objectStore.bytes }, { files: 2, bytes: 3345 });
    assert.deepEqual(report.objectStore.restored, { files: 1, bytes: poster.bytes.length });
    assert.deepEqual(report.objectStore.repaired, { files: 1, bytes: model.bytes.length });
    assert.equal(report.objectStore.missing, 0);
    assert.deepEqual(await readAll(await objects.read(modelKey)), model.bytes);
    const after = await listing();
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].filter((name) => !orphans.some((orphan) => orphan.key === name)).sort());
    assert.deepEqual(await readAll(await objects.read(posterKey)), poster.bytes);
    assert.deepEqual(JSON.parse(await storeCli('du')).objectStore.unreferenced, { files: 0, bytes: 0 });
  });

  test('retention deletes expired renders’ objects from the store; the model’s stay', async () => {
    const store = new FileStore(dataDirectory);
    store.remote = S3ObjectStore.fromUrl(s3.storeUrl, s3.env);
    const db = openDatabase(dataDirectory);
    try {
      const model = JSON.parse(await storeCli('du')).objectStore.models;
      const { renders } = deleteExpiredRenders({ db, store }, 1, Date.now() + 2 * 86_400_000);
      assert.ok(renders >= 1);
      await store.remoteSettled();
      const left = await listing();
      for (const name of left.keys()) assert.ok(await isReferenced(name), `${name} left in the store unreferenced`);
      const usage = JSON.parse(await storeCli('du')).objectStore;
      assert.deepEqual(usage.models, model);
      assert.deepEqual(usage.renders, { files: 0, bytes: 0 });
      assert.equal((await api(controlPlane, key, 'GET', `/renders/${frontId}`)).status, 404);
    } finally {
      db.close();
      store.remote.close();
      await store.removeOwnTemp();
    }
  });

  test('a store delete racing an upload of the same content: the object is there after a re-upload, gone after a delete', async () => {
    const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-store-race-'));
    const store = new FileStore(data);
    store.remote = S3ObjectStore.fromUrl(unitUrl(), s3.env);
    try {
      for (let round = 0; round < 8; round++) {
        const file = path.join(data, `upload-${round}`);
        await writeFile(file, randomBytes(20_000 + round));
        const { key: name } = await store.place(file);
        assert.ok((await unit.sizeOf(name)) !== null);
        // Deleted (its last reference gone), then at once uploaded again by a new request.
        store.removeNow(name);
        await store.place(file);
        await store.remoteSettled();
        assert.ok((await unit.sizeOf(name)) !== null, `round ${round}: the re-uploaded object was deleted behind it`);
        // Deleted while its upload is still in flight: the upload never brings it back.
        store.removeNow(name);
        const second = path.join(data, `second-${round}`);
        await writeFile(second, randomBytes(30_000 + round));
        const secondKey = sha256(await readFile(second));
        const uploading = store.putRemote(secondKey, second);
        store.removeNow(secondKey);
        await uploading;
        await store.remoteSettled();
        assert.equal(await unit.sizeOf(secondKey), null, `round ${round}: an object came back after its delete`);
        assert.equal(await unit.sizeOf(name), null);
      }
    } finally {
      store.remote.close();
      await rm(data, { recursive: true, force: true });
    }
  });

  // CI once lost a worker so: a pass aborted while its early poster uploaded, the renderer removed
  // the poster, and the upload's file stream failed with nobody listening (an unhandled 'error'
  // event kills the process). Each upload below races the removal of its file.
  test('a file removed as its upload starts fails that upload (ENOENT) or arrives whole; the process never dies', async () => {
    const outcomes = { whole: 0, refused: 0 };
    for (let index = 0; index < 30; index++) {
      // A new client each time: its first request resolves credentials and the endpoint first,
      // which is when the old code's stream had opened (and failed) long before the SDK listened.
      const fresh = S3ObjectStore.fromUrl(s3.storeUrl, s3.env);
      const bytes = randomBytes(100_000);
      const name = sha256(bytes);
      const file = path.join(scratch, `vanishing-${index}`);
      await writeFile(file, bytes);
      const upload = fresh.put(name, file).then(
        () => 'whole' as const,
        (error: NodeJS.ErrnoException) => (assert.equal(error.code, 'ENOENT', String(error)), 'refused' as const),
      );
      // Removed at different moments: before the open, between the open and the read, during the request.
      if (index % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
      else await new Promise((resolve) => setTimeout(resolve, (index % 3) - 1));
      await rm(file);
      const outcome = await upload;
      outcomes[outcome] += 1;
      if (outcome === 'whole') assert.deepEqual(await readAll(await objects.read(name)), bytes);
      else assert.equal(await objects.sizeOf(name), null, 'a refused upload leaves no object');
      await objects.remove(name);
      fresh.close();
    }
    assert.equal(outcomes.whole + outcomes.refused, 30, JSON.stringify(outcomes));
  });

  test('a file found but not openable when its upload starts (a socket here; a file removed in between on a worker) rejects the upload, on a slow client too', async () => {
    // The client waits 100 ms before each request (as a busy machine's does): the old code's
    // file stream had failed long before the SDK listened to it, and the process died.
    const client = new S3Client(s3ClientConfig(s3.env));
    client.middlewareStack.add((next) => async (args) => (await new Promise((resolve) => setTimeout(resolve, 100)), next(args)), { step: 'initialize', name: 'slowMachine' });
    const slow = new S3ObjectStore(client, new URL(s3.storeUrl).hostname, 'renders');
    const socketPath = path.join(scratch, 'not-a-file.sock');
    const listener = net.createServer().listen(socketPath);
    await once(listener, 'listening');
    try {
      const name = sha256(Buffer.from('never stored'));
      await assert.rejects(slow.put(name, socketPath), (error: NodeJS.ErrnoException) => error.code === 'ENXIO');
      assert.equal(await objects.sizeOf(name), null);
    } finally {
      listener.close();
      slow.close();
    }
  });

  test('a failed store delete is reported, and gc --store removes the object it left', async () => {
    const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-store-fail-'));
    const store = new FileStore(data);
    const db = openDatabase(data);
    const reachable = S3ObjectStore.fromUrl(unitUrl(), s3.env);
    const unreachable = S3ObjectStore.fromUrl(unitUrl(), { ...s3.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${await freePort()}` });
    const reports: string[] = [];
    store.onRemoteError = (message) => reports.push(message);
    try {
      store.remote = reachable;
      const file = path.join(data, 'upload');
      await writeFile(file, randomBytes(5000));
      const { key: name } = await store.place(file);
      store.remote = unreachable; // the store goes away before the delete
      assert.equal(releaseFiles({ db, store }, [name]), 5000);
      await store.remoteSettled();
      assert.equal(reports.length, 1);
      assert.match(reports[0], new RegExp(`could not delete ${name} .*gc --store`));
      assert.equal(await unit.sizeOf(name), 5000, 'left behind');
      const report = await collectObjectGarbage(db, reachable, store);
      assert.equal(await unit.sizeOf(name), null);
      assert.ok(report.files >= 1 && report.bytes >= 5000);
    } finally {
      db.close();
      reachable.close();
      unreachable.close();
      await rm(data, { recursive: true, force: true });
    }
  });

  test('the worker’s input cache under a byte cap evicts the least recently used entries, never one in use', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'renderbay-input-cache-'));
    try {
      const keys: string[] = [];
      for (const size of [3000, 3001, 3002, 3003]) {
        const file = path.join(folder, `input-${size}`);
        const bytes = randomBytes(size);
        await writeFile(file, bytes);
        keys.push(sha256(bytes));
        await unit.put(sha256(bytes), file);
      }
      const [a, b, c, d] = keys;
      const cacheRoot = path.join(folder, 'cache');
      const cached = (name: string) => existsSync(path.join(cacheRoot, name.slice(0, 2), name));
      const cache = new InputCache(unit, cacheRoot, 7000);
      const use = async (name: string) => {
        const file = await cache.acquire(name);
        assert.equal(sha256(await readFile(file)), name);
        cache.release(name);
      };
      await use(a);
      await use(b);
      const heldC = await cache.acquire(c); // a pass is rendering with C
      assert.deepEqual([cached(a), cached(b), cached(c)], [false, true, true], 'A, least recently used, made room');
      await use(b);
      await use(a); // needs room: C is in use, so B (idle) goes although it was used last
      assert.deepEqual([cached(a), cached(b), cached(c)], [true, false, true]);
      assert.equal(sha256(await readFile(heldC)), c, 'the entry in use is intact');
      // Everything held: the cache stays over its cap rather than delete a file a pass reads.
      const heldA = await cache.acquire(a);
      const heldD = await cache.acquire(d);
      assert.ok(cached(a) && cached(c) && cached(d) && cache.bytes > 7000);
      assert.deepEqual([sha256(await readFile(heldA)), sha256(await readFile(heldD))], [a, d]);
      for (const name of [a, c, d]) cache.release(name);
      // A restarted worker keeps the order (last use is the file's mtime): C is the oldest now.
      const restarted = new InputCache(unit, cacheRoot, 7000);
      await restarted.acquire(b);
      restarted.release(b);
      assert.deepEqual([cached(a), cached(b), cached(c), cached(d)], [false, true, false, true]);
      assert.ok(restarted.bytes <= 7000);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('the settings are checked before anything starts', async () => {
    const refused = async (args: string[]) => {
      const error = await run(process.execPath, ['dist/src/cli.js', ...args], { env: { ...process.env, ...s3.env } }).then(() => null, (failure: { code: number; stderr: string }) => failure);
      assert.ok(error && error.code !== 0, `${args.join(' ')} should fail`);
      return error.stderr;
    };
    assert.match(await refused(['serve', '--port', '0', '--data', dataDirectory, '--queue', redis.url, '--store', s3.storeUrl, '--store-presign-seconds', '5']), /store-presign-seconds.*10 to 604800/);
    assert.match(await refused(['serve', '--port', '0', '--data', dataDirectory, '--store-presign-seconds', '60']), /needs a render farm/);
    assert.match(await refused(['worker', '--queue', redis.url, '--store', s3.storeUrl, '--scratch-max-bytes', '0']), /scratch-max-bytes/);
  });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
