/**
 * Disk space on a real server: refused requests (no_credits, upload_limit, invalid input;
 * multipart, URL ingest and MCP ingest) leave no byte behind; deleting everything through
 * the API brings the data directory back to its empty size; an upload of the same content
 * while a model is deleted keeps its file; `renderbay gc` / `renderbay du`; retention.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { api, cli, createKey, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { callError, connectStdio, serveFiles } from './helpers/mcp.js';

const CUBE = path.resolve('fixtures/generated/textured-cube.glb');
const WIDE = path.resolve('fixtures/generated/wide.glb');
const TALL = path.resolve('fixtures/generated/tall.glb');
const CLI = path.resolve('dist/src/cli.js');
/** What the data directory holds that is not the file store or scratch space: the database and the engine's lock. */
const NOT_COUNTED = new Set(['renderbay.db', 'renderbay.db-wal', 'renderbay.db-shm', 'engine.lock']);

let dataDirectory: string;
let server: ServerProcess;
let key: string;
let zeroKey: string;
let files: { url: string; close(): void };

/**
 * Bytes of every file in a data directory, database and lock aside (measured here, not with
 * our own du). The server may be removing a scratch file or folder while this walks: one that
 * vanished between the listing and the stat counts nothing.
 */
function dataBytes(directory = dataDirectory): number {
  let total = 0;
  const visit = (folder: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && folder !== directory) return;
      throw error;
    }
    for (const entry of entries) {
      if (folder === directory && NOT_COUNTED.has(entry.name)) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else total += statSync(full, { throwIfNoEntry: false })?.size ?? 0;
    }
  };
  visit(directory);
  return total;
}

function storedFiles(): string[] {
  const root = path.join(dataDirectory, 'store');
  return existsSync(root) ? readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name) : [];
}

/** Waits (deadline-based) until the data directory is back to `bytes`: a process may still be removing its scratch files. */
async function expectDataBytes(bytes: number, what: string, directory = dataDirectory): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (dataBytes(directory) !== bytes && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(dataBytes(directory), bytes, `${what}: the data directory grew by ${dataBytes(directory) - bytes} bytes`);
}

/** Renders are slow on a loaded machine: a generous deadline, never a fixed wait. */
const RENDER_DEADLINE_MS = 300_000;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function downloadBytes(route: string, apiKey = key): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-reclaim-'));
  key = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'zero@example.com', '--credits', '0', '--data', dataDirectory);
  zeroKey = await createKey(dataDirectory, { account: 'zero@example.com' });
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true, env: { RENDERBAY_MAX_CONCURRENT_UPLOADS: '1' } });
  files = await serveFiles({ 'cube.glb': CUBE });
});
after(async () => {
  files?.close();
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('disk space', () => {
  let emptyBytes: number;
  /** The model the gc test uploads; the retention test ages its preview. */
  let tallUpload: { modelId: string; renderId: string };

  test('refused requests add no byte: no_credits (upload, URL ingest, MCP ingest), invalid input, upload_limit', async () => {
    emptyBytes = dataBytes();
    assert.equal(storedFiles().length, 0);

    const upload = await api(server, zeroKey, 'POST', '/models', await modelForm(CUBE, { length: 3 }));
    assert.equal(upload.status, 402, JSON.stringify(upload.body));
    assert.equal(upload.body.error.code, 'no_credits');
    await expectDataBytes(emptyBytes, 'upload refused with no_credits');

    const ingest = await api(server, zeroKey, 'POST', '/models/ingest', { url: `${files.url}/cube.glb`, renderSettings: { length: 3 } });
    assert.equal(ingest.status, 402, JSON.stringify(ingest.body));
    assert.equal(ingest.body.error.code, 'no_credits');
    await expectDataBytes(emptyBytes, 'URL ingest refused with no_credits');

    const random = await api(server, zeroKey, 'POST', '/models', await modelForm('fixtures/generated/bad-random.glb'));
    assert.equal(random.status, 400);
    assert.equal(random.body.error.code, 'invalid_format');
    const settings = await api(server, zeroKey, 'POST', '/models', await modelForm(CUBE, '{"quality":"cinema"}'));
    assert.equal(settings.status, 400);
    assert.equal(settings.body.error.code, 'invalid_settings');
    await expectDataBytes(emptyBytes, 'invalid input');
    assert.equal((await api(server, zeroKey, 'GET', '/models')).body.meta.total, 0, 'no model was created');

    // One upload in flight holds the account's only slot; the next is refused, then the first is abandoned.
    const slow = http.request(`${server.url}/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${zeroKey}`, 'content-type': 'multipart/form-data; boundary=xyz' },
    });
    slow.on('error', () => {});
    slow.write(`--xyz\r\nContent-Disposition: form-data; name="file"; filename="slow.glb"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    slow.write(Buffer.alloc(256 * 1024, 7));
    const deadline = Date.now() + 15_000;
    while (dataBytes() === emptyBytes && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(dataBytes() > emptyBytes, 'the slow upload is being received');
    const limited = await api(server, zeroKey, 'POST', '/models', await modelForm(CUBE));
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'upload_limit');
    slow.destroy();
    await expectDataBytes(emptyBytes, 'upload_limit and an abandoned upload');

    assert.equal(storedFiles().length, 0);
  });

  test('MCP ingest refused with no_credits adds no byte', async () => {
    // Its own data directory: the stdio server acts as the local account, created here with no credits.
    const directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-reclaim-mcp-'));
    const mcp = await connectStdio(directory, { args: ['--initial-credits', '0'] });
    try {
      const empty = dataBytes(directory);
      const error = await callError(mcp.client, 'ingest_model', { path: CUBE, renderSettings: { length: 3 } });
      assert.equal(error.code, 'no_credits', mcp.stderr());
      await expectDataBytes(empty, 'MCP ingest refused with no_credits', directory);
    } finally {
      await mcp.client.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('upload, render, export, delete everything through the API: back to the empty size', async (t) => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366aa' } }).png().toBuffer();
    const overlayForm = new FormData();
    overlayForm.append('file', new Blob([new Uint8Array(png)]), 'backdrop.png');
    overlayForm.append('layer', 'background');
    const overlay = await api(server, key, 'POST', '/overlays', overlayForm);
    assert.ok(overlay.status < 300, JSON.stringify(overlay.body));
    const cube = await api(server, key, 'POST', '/models', await modelForm(CUBE, { quality: 'share', aspect: '1:1', length: 3, bgImageId: overlay.body.data.id }));
    assert.equal(cube.status, 201, JSON.stringify(cube.body));
    const renders = (await api(server, key, 'GET', '/renders?limit=100')).body.data as { id: string }[];
    assert.equal(renders.length, 2, 'the preview and the paid render');
    for (const render of renders) assert.equal((await waitForRender(server, key, render.id, RENDER_DEADLINE_MS)).render.status, 'done');
    assert.equal((await downloadBytes(`/models/${cube.body.data.modelId}/usdz`)).status, 200);

    const beforeBytes = dataBytes();
    const filesBefore = storedFiles().length;
    assert.ok(beforeBytes > emptyBytes);

    for (const model of (await api(server, key, 'GET', '/models?archived=true')).body.data) assert.equal((await api(server, key, 'DELETE', `/models/${model.id}`)).status, 200);
    // The previews went with their models; the paid render stays until deleted.
    const left = (await api(server, key, 'GET', '/renders?limit=100')).body.data as { id: string }[];
    assert.deepEqual(left.map((render) => render.id), [cube.body.data.renderId]);
    assert.equal((await downloadBytes(`/renders/${cube.body.data.renderId}/video`)).status, 200, 'a deleted model’s paid render stays reachable');
    for (const render of left) assert.equal((await api(server, key, 'DELETE', `/renders/${render.id}`)).status, 200);
    assert.equal((await api(server, key, 'DELETE', `/overlays/${overlay.body.data.id}`)).status, 200);

    const afterBytes = dataBytes();
    t.diagnostic(`data directory (database and lock aside): empty ${emptyBytes} B, before deleting ${beforeBytes} B in ${filesBefore} stored files, after ${afterBytes} B`);
    assert.equal(afterBytes, emptyBytes);
    assert.deepEqual(storedFiles(), []);
  });

  test('a deleted model keeps its files while its paid render is pending or running, and gives them back when it finishes', async () => {
    const upload = await api(server, key, 'POST', '/models', await modelForm(WIDE, { quality: 'share', length: 3 }));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const { modelId, renderId } = upload.body.data;
    const model = (await api(server, key, 'GET', `/models/${modelId}`)).body.data;
    const modelFiles = [model.sha256, model.file.sha256].map((fileKey: string) => path.join(dataDirectory, 'store', fileKey.slice(0, 2), fileKey.slice(2, 4), fileKey));
    assert.equal((await api(server, key, 'DELETE', `/models/${modelId}`)).status, 200);
    const keptWhileRunning = modelFiles.every((file) => existsSync(file));
    // Checked before reading the status: if the render is still unfinished now, it was when the files were looked at.
    if (!['done', 'error', 'failed'].includes((await api(server, key, 'GET', `/renders/${renderId}`)).body.data.status)) assert.ok(keptWhileRunning);
    assert.equal((await waitForRender(server, key, renderId, RENDER_DEADLINE_MS)).render.status, 'done', 'the render used the model file');
    const deadline = Date.now() + 10_000;
    while (modelFiles.some((file) => existsSync(file)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(modelFiles.filter((file) => existsSync(file)), [], 'the model’s files went when its last render finished');
    assert.equal((await downloadBytes(`/renders/${renderId}/video`)).status, 200);
    assert.equal((await api(server, key, 'DELETE', `/renders/${renderId}`)).status, 200);
    await expectDataBytes(emptyBytes, 'after deleting the render');
  });

  test('an upload of the same content while a model is deleted keeps its file', async () => {
    const expected = await readFile(WIDE);
    for (let round = 0; round < 3; round++) {
      const first = await api(server, key, 'POST', '/models', await modelForm(WIDE));
      assert.equal(first.status, 201);
      // Another account uploads the same bytes (no dedup across accounts) while the first model is deleted.
      const [second, deleted] = await Promise.all([
        api(server, zeroKey, 'POST', '/models', await modelForm(WIDE)),
        new Promise((resolve) => setTimeout(resolve, round * 15)).then(() => api(server, key, 'DELETE', `/models/${first.body.data.modelId}`)),
      ]);
      assert.equal(second.status, 201, JSON.stringify(second.body));
      assert.equal(deleted.status, 200);
      const model = (await api(server, zeroKey, 'GET', `/models/${second.body.data.modelId}`)).body.data;
      const file = await downloadBytes(`/models/${model.id}/file`, zeroKey);
      assert.equal(file.status, 200, `round ${round}: the model file is still stored`);
      assert.equal(sha256(file.bytes), model.file.sha256);
      assert.ok(existsSync(path.join(dataDirectory, 'store', model.sha256.slice(0, 2), model.sha256.slice(2, 4), model.sha256)), 'the upload as received is kept');
      assert.equal(model.sha256, sha256(expected));
      assert.equal((await api(server, zeroKey, 'DELETE', `/models/${model.id}`)).status, 200);
    }
  });

  test('renderbay du reports usage by kind; renderbay gc frees unreferenced files and dead processes’ scratch folders', async () => {
    const live = await api(server, key, 'POST', '/models', await modelForm(TALL));
    assert.equal(live.status, 201);
    tallUpload = live.body.data;
    // Garbage as an older version or a crash leaves it: a stored file nothing names, a dead process's scratch folder.
    const orphan = Buffer.alloc(1000, 'orphan');
    const orphanKey = sha256(orphan);
    const orphanPath = path.join(dataDirectory, 'store', orphanKey.slice(0, 2), orphanKey.slice(2, 4), orphanKey);
    await mkdir(path.dirname(orphanPath), { recursive: true });
    await writeFile(orphanPath, orphan);
    const deadPid = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.once('exit', () => resolve(child.pid!));
    });
    const staleFolder = path.join(dataDirectory, 'tmp', `${deadPid}-deadbeef`);
    await mkdir(path.join(staleFolder, 'upload'), { recursive: true });
    await writeFile(path.join(staleFolder, 'upload', 'part'), Buffer.alloc(500));

    const usage = JSON.parse(await cli('du', '--data', dataDirectory, '--json'));
    assert.deepEqual(usage.store.unreferenced, { files: 1, bytes: 1000 });
    assert.ok(usage.store.models.files >= 1, JSON.stringify(usage.store));
    assert.deepEqual(usage.store.overlays, { files: 0, bytes: 0 });
    assert.equal(usage.tmp.folders, 2, 'the server’s own and the stale one');
    assert.equal(usage.tmp.bytes, 500);
    assert.ok(usage.database.bytes > 0);
    assert.equal(usage.total.bytes, usage.store.total.bytes + usage.tmp.bytes + usage.database.bytes + usage.other.bytes);
    const text = await cli('du', '--data', dataDirectory);
    for (const label of ['store', 'models', 'renders', 'overlays', 'unreferenced', 'tmp', 'database', 'total']) assert.match(text, new RegExp(`^\\s*${label}\\s`, 'm'));

    const report = await cli('gc', '--data', dataDirectory);
    assert.match(report, /^unreferenced\s+1000 B\s+1 file$/m);
    assert.match(report, /^tmp\s+500 B\s+1 file, 1 folder of stopped processes$/m);
    assert.match(report, /^Freed 1\.5 KB \(1500 bytes\)$/m);
    assert.ok(!existsSync(orphanPath) && !existsSync(staleFolder));
    assert.equal((await downloadBytes(`/models/${live.body.data.modelId}/file`)).status, 200, 'referenced files stay');
    const again = JSON.parse(await cli('gc', '--data', dataDirectory, '--json'));
    assert.equal(again.freedBytes, 0);
    assert.equal(JSON.parse(await cli('du', '--data', dataDirectory, '--json')).tmp.folders, 1, 'the running server’s folder is left alone');
  });

  test('retention: a finished render older than --retention-days is deleted with its files at start; newer ones stay', async () => {
    const older = { body: { data: tallUpload } };
    const newer = await api(server, key, 'POST', '/models', await modelForm(WIDE));
    for (const upload of [older, newer]) assert.equal((await waitForRender(server, key, upload.body.data.renderId, RENDER_DEADLINE_MS)).render.status, 'done');
    // Two images uploaded on the 3Dimensions surface: their public URLs expire with retention too.
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c04020' } }).png().toBuffer();
    const imageUploads: string[] = [];
    for (let index = 0; index < 2; index++) {
      const answer = await fetch(`${new URL(server.url).origin}/compat/3dimensions/api/v1/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ image_base64: png.toString('base64') }),
      });
      assert.equal(answer.status, 201);
      imageUploads.push(((await answer.json()) as { upload: { url: string } }).upload.url);
    }
    await server.stop();
    const uploadFolder = path.join(dataDirectory, 'compat-uploads', '3dimensions');
    const oldUpload = path.join(uploadFolder, path.basename(new URL(imageUploads[0]).pathname));
    const tenDaysAgoSeconds = (Date.now() - 10 * 86_400_000) / 1000;
    await utimes(oldUpload, tenDaysAgoSeconds, tenDaysAgoSeconds);

    const db = new Database(path.join(dataDirectory, 'renderbay.db'));
    const oldId = older.body.data.renderId;
    const assets = Object.values(JSON.parse(db.prepare('SELECT assets FROM renders WHERE id = ?').pluck().get(oldId) as string)) as { key: string }[];
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    db.prepare('UPDATE renders SET finished_at = ?, created_at = ? WHERE id = ?').run(tenDaysAgo, tenDaysAgo, oldId);
    db.close();
    assert.ok(assets.length > 0);

    await assert.rejects(promisify(execFile)(process.execPath, [CLI, 'serve', '--port', '0', '--data', dataDirectory, '--retention-days', 'soon'], { timeout: 15_000 }), /retention days must be a positive number/);
    server = await startServerProcess(dataDirectory, { args: ['--retention-days', '7'] });
    const deadline = Date.now() + 20_000;
    while ((await api(server, key, 'GET', `/renders/${oldId}`)).status !== 404 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await api(server, key, 'GET', `/renders/${oldId}`)).status, 404);
    for (const asset of assets) assert.ok(!existsSync(path.join(dataDirectory, 'store', asset.key.slice(0, 2), asset.key.slice(2, 4), asset.key)), 'its files are gone');
    assert.equal((await api(server, key, 'GET', `/renders/${newer.body.data.renderId}`)).status, 200);
    assert.equal((await downloadBytes(`/models/${older.body.data.modelId}/file`)).status, 200, 'the model itself stays');
    assert.match(server.log(), /retention: deleted 1 render\(s\) finished more than 7 day\(s\) ago/);
    const uploadDeadline = Date.now() + 20_000;
    while (existsSync(oldUpload) && Date.now() < uploadDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
    // The restarted server listens on another port: the same paths on it.
    const onRestarted = (url: string) => `${new URL(server.url).origin}${new URL(url).pathname}`;
    assert.equal((await fetch(onRestarted(imageUploads[0]))).status, 404, 'an upload older than the retention is gone');
    assert.equal((await fetch(onRestarted(imageUploads[1]))).status, 200, 'a newer upload stays');
    assert.match(server.log(), /retention: deleted 1 upload\(s\) in .* older than 7 day\(s\)/);
  });
});
