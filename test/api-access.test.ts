/**
 * The REST API's edges on a real server: authentication and the reference's auth error
 * codes, account isolation (another account's ids answer 404 like missing ones), every
 * bad input with its stable code, quote, model metadata, overlays, URL ingest, and an
 * invalid model caught by its system preview.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createApiKey } from '../src/accounts/api-keys.js';
import { openDatabase } from '../src/db/database.js';
import { api, cli, createKey, expectError, modelForm, startServerProcess, tempLeftovers, waitForRender, type ServerProcess } from './helpers/api-server.js';

const WIDE = 'fixtures/generated/wide.glb';
let dataDirectory: string;
let server: ServerProcess;
let keyA: string;
let keyB: string;
let modelA: string;
let renderA: string;
let files: http.Server;
let filesUrl: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-access-'));
  keyA = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'b@example.com', '--credits', '5', '--data', dataDirectory);
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true });
  const upload = await api(server, keyA, 'POST', '/models', await modelForm(WIDE));
  ({ modelId: modelA, renderId: renderA } = upload.body.data);
  // A local file server for URL ingest (the server allows private URLs for this test).
  const glb = await readFile(WIDE);
  files = http.createServer((request, response) => {
    if (request.url === '/chair.glb') response.writeHead(200, { 'content-type': 'model/gltf-binary' }).end(glb);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', () => resolve()));
  filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
});
after(async () => {
  await server?.stop();
  files?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('authentication', () => {
  test('health needs no key', async () => {
    const response = await api(server, null, 'GET', '/health');
    assert.equal(response.status, 200);
    assert.equal(response.body.data.database, 'ok');
  });

  test('missing, malformed and unknown keys → 401 unauthorized', async () => {
    expectError(await api(server, null, 'GET', '/models'), 401, 'unauthorized');
    expectError(await api(server, 'rb_sk_not-a-real-key', 'GET', '/models'), 401, 'unauthorized');
    const response = await fetch(`${server.url}/models`, { headers: { authorization: 'Basic abc' } });
    assert.equal(response.status, 401);
  });

  test('a revoked key → 401 unauthorized', async () => {
    const key = await createKey(dataDirectory, { name: 'to-revoke' });
    assert.equal((await api(server, key, 'GET', '/account')).status, 200);
    await cli('keys', 'revoke', key.slice(0, 12), '--data', dataDirectory);
    expectError(await api(server, key, 'GET', '/account'), 401, 'unauthorized', /revoked/);
  });

  test('an expired key → 401 token_expired', async () => {
    const db = openDatabase(dataDirectory);
    const accountId = db.prepare("SELECT id FROM accounts WHERE email = 'local@renderbay'").pluck().get() as string;
    const { key } = createApiKey(db, accountId, { name: 'expired', expiresAt: new Date(Date.now() - 1000).toISOString() });
    db.close();
    expectError(await api(server, key, 'GET', '/account'), 401, 'token_expired');
  });

  test('a read-only key cannot write → 403 insufficient_scope', async () => {
    const key = await createKey(dataDirectory, { readOnly: true, name: 'reader' });
    assert.equal((await api(server, key, 'GET', '/models')).status, 200);
    expectError(await api(server, key, 'POST', '/renders', { modelId: modelA }), 403, 'insufficient_scope');
  });

  test('a suspended account → 403 forbidden', async () => {
    await cli('accounts', 'create', '--email', 'c@example.com', '--data', dataDirectory);
    const key = await createKey(dataDirectory, { account: 'c@example.com' });
    await cli('accounts', 'suspend', 'c@example.com', '--data', dataDirectory);
    expectError(await api(server, key, 'GET', '/account'), 403, 'forbidden');
  });
});

describe('isolation between accounts', () => {
  test("another account's model and render ids answer 404 exactly like missing ones", async () => {
    for (const route of [`/models/${modelA}`, `/models/${modelA}/file`]) expectError(await api(server, keyB, 'GET', route), 404, 'model_not_found');
    for (const route of [`/renders/${renderA}`, `/renders/${renderA}/video`, `/renders/${renderA}/poster`, `/renders/${renderA}/bundle`]) {
      expectError(await api(server, keyB, 'GET', route), 404, 'render_not_found');
    }
    expectError(await api(server, keyB, 'DELETE', `/renders/${renderA}`), 404, 'render_not_found');
    expectError(await api(server, keyB, 'PATCH', `/models/${modelA}`, { title: 'mine now' }), 404, 'model_not_found');
    expectError(await api(server, keyB, 'POST', '/renders', { modelId: modelA }), 404, 'model_not_found');
    const missing = await api(server, keyB, 'GET', '/renders/AAAAAAAAAAAA');
    assert.deepEqual(missing.body, (await api(server, keyB, 'GET', `/renders/${renderA}`)).body, 'indistinguishable from a missing id');
    assert.equal((await api(server, keyB, 'GET', '/models')).body.meta.total, 0);
    assert.deepEqual((await api(server, keyB, 'POST', '/models/check-hash', { sha256: (await api(server, keyA, 'GET', `/models/${modelA}`)).body.data.sha256 })).body.data, { exists: false });
  });
});

describe('bad input', () => {
  test('upload without a file → no_file', async () => {
    const form = new FormData();
    form.append('renderSettings', '{}');
    expectError(await api(server, keyA, 'POST', '/models', form), 400, 'no_file');
  });

  test('not a model (by content and by extension) → invalid_format', async () => {
    const text = new FormData();
    text.append('file', new Blob(['hello, not a model']), 'notes.glb');
    expectError(await api(server, keyA, 'POST', '/models', text), 400, 'invalid_format');
    expectError(await api(server, keyA, 'POST', '/models', await modelForm(WIDE, undefined, 'model.exe')), 400, 'invalid_format');
  });

  test('an upload over 100 MB is refused while streaming and nothing is left on disk', async () => {
    const size = 101 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('--x\r\nContent-Disposition: form-data; name="file"; filename="big.glb"\r\n\r\nglTF'));
      },
      pull(controller) {
        controller.enqueue(chunk);
        if (--remaining <= 0) {
          controller.enqueue(new TextEncoder().encode('\r\n--x--\r\n'));
          controller.close();
        }
      },
    });
    let remaining = Math.ceil(size / chunk.length);
    const response = await fetch(`${server.url}/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyA}`, 'content-type': 'multipart/form-data; boundary=x' },
      body,
      duplex: 'half',
    } as RequestInit);
    const payload = await response.json();
    expectError({ status: response.status, body: payload }, 400, 'file_too_large');
    // Only render work directories may be there (a render can be running); no upload file.
    const leftovers = (await tempLeftovers(dataDirectory)).filter((name) => !/\/render-/.test(name));
    assert.deepEqual(leftovers, [], 'no partial upload left');
  });

  test('malformed JSON → invalid_json; malformed or out-of-range renderSettings → invalid_settings naming the field', async () => {
    expectError(await api(server, keyA, 'POST', '/renders', '{"modelId": '), 400, 'invalid_json');
    expectError(await api(server, keyA, 'POST', '/models', await modelForm(WIDE, '{"length": ')), 400, 'invalid_settings', /not valid JSON/);
    const both = await api(server, keyA, 'POST', '/renders', { modelId: modelA, renderSettings: { length: 99, bgColor: 'blue' } });
    expectError(both, 400, 'invalid_settings', /length must be from 3 to 30 seconds/);
    assert.match(both.body.error.message, /bgColor must be a 6-digit hex colour/);
    expectError(await api(server, keyA, 'POST', '/renders', { modelId: modelA, renderSettings: { speed: 2 } }), 400, 'invalid_settings', /unknown field speed/);
  });

  test('renders without modelId, empty and oversized batches', async () => {
    expectError(await api(server, keyA, 'POST', '/renders', {}), 400, 'model_id_required');
    expectError(await api(server, keyA, 'POST', '/renders/batch', {}), 400, 'renders_required');
    expectError(await api(server, keyA, 'POST', '/renders/batch', { renders: [] }), 400, 'renders_required');
    const tooMany = Array.from({ length: 101 }, () => ({ modelId: modelA }));
    expectError(await api(server, keyA, 'POST', '/renders/batch', { renders: tooMany }), 400, 'too_many');
    expectError(await api(server, keyA, 'POST', '/quote', { renders: tooMany }), 400, 'too_many');
  });

  test('check-hash without sha256 → sha256_required; unknown routes → not_found', async () => {
    expectError(await api(server, keyA, 'POST', '/models/check-hash', {}), 400, 'sha256_required');
    expectError(await api(server, keyA, 'GET', '/nonsense'), 404, 'not_found');
  });

  test('assets before they exist → *_not_found', async () => {
    const upload = await api(server, keyA, 'POST', '/models', await modelForm('fixtures/generated/offcentre.glb', { length: 30 }));
    const { renderId } = upload.body.data;
    expectError(await api(server, keyA, 'GET', `/renders/${renderId}/video`), 404, 'video_not_found');
    expectError(await api(server, keyA, 'GET', `/renders/${renderId}/thumb`), 404, 'thumb_not_found');
    expectError(await api(server, keyA, 'GET', `/renders/${renderId}/poster`), 404, 'poster_not_found');
    // Deleting a queued render refunds it.
    const credits = (await api(server, keyA, 'GET', '/account')).body.data.credits;
    assert.equal((await api(server, keyA, 'DELETE', `/renders/${renderId}`)).status, 200);
    assert.equal((await api(server, keyA, 'GET', '/account')).body.data.credits, credits + 1);
    expectError(await api(server, keyA, 'GET', `/renders/${renderId}`), 404, 'render_not_found');
  });
});

describe('models, quote, overlays, ingest', () => {
  test('quote prices every tier without charging', async () => {
    const credits = (await api(server, keyA, 'GET', '/account')).body.data.credits;
    const { status, body } = await api(server, keyA, 'POST', '/quote', { renders: [{ quality: 'share' }, { quality: 'standard' }, {}] });
    assert.equal(status, 200);
    assert.deepEqual(body.data, {
      creditsRequired: 6,
      creditsAvailable: credits,
      sufficient: true,
      breakdown: [{ quality: 'share', credits: 1 }, { quality: 'standard', credits: 4 }, { quality: 'share', credits: 1 }],
    });
    const poor = await api(server, keyB, 'POST', '/quote', { renders: [{ quality: 'standard' }, { quality: 'standard' }] });
    assert.equal(poor.body.data.sufficient, false);
    assert.equal((await api(server, keyA, 'GET', '/account')).body.data.credits, credits);
  });

  test('title, sku and tags; tag filter is OR; archived models are hidden', async () => {
    const patched = await api(server, keyA, 'PATCH', `/models/${modelA}`, { title: 'Plank', sku: 'PL-1', tags: [' Client-ACME ', 'wood', 'wood'] });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.data.tags, ['client-acme', 'wood']);
    expectError(await api(server, keyA, 'PATCH', `/models/${modelA}`, { tags: Array.from({ length: 21 }, (_, index) => `t${index}`) }), 400, 'invalid_request', /at most 20 tags/);
    const byTag = await api(server, keyA, 'GET', '/models?tags=metal,client-acme');
    assert.deepEqual(byTag.body.data.map((model: { id: string }) => model.id), [modelA]);
    assert.equal((await api(server, keyA, 'GET', '/models?tags=metal')).body.meta.total, 0);
    await api(server, keyA, 'PATCH', `/models/${modelA}/archive`);
    assert.equal((await api(server, keyA, 'GET', '/models?tags=wood')).body.meta.total, 0);
    await api(server, keyA, 'PATCH', `/models/${modelA}/unarchive`);
    assert.equal((await api(server, keyA, 'GET', '/models?tags=wood')).body.meta.total, 1);
    const page = await api(server, keyA, 'GET', '/models?limit=1&offset=0');
    assert.equal(page.body.meta.limit, 1);
    assert.equal((await api(server, keyA, 'GET', '/models?limit=101')).body.meta.limit, 100, 'clamped to the documented maximum');
    expectError(await api(server, keyA, 'GET', '/models?limit=ten'), 400, 'invalid_request');
  });

  test('overlays: upload PNG/JPEG/WebP, list, delete; other types refused', async () => {
    const png = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)]), 'bg.png');
    form.append('name', 'Red');
    form.append('alignment', 'center');
    const created = await api(server, keyA, 'POST', '/overlays', form);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(Object.keys(created.body.data).sort(), ['alignment', 'id', 'layer', 'name']);
    assert.equal(created.body.data.layer, 'background');
    assert.equal((await api(server, keyA, 'GET', '/overlays')).body.data.length, 1);
    assert.equal((await api(server, keyB, 'GET', '/overlays')).body.data.length, 0);
    expectError(await api(server, keyB, 'DELETE', `/overlays/${created.body.data.id}`), 404, 'overlay_not_found');
    const text = new FormData();
    text.append('file', new Blob(['GIF89a not really']), 'x.gif');
    expectError(await api(server, keyA, 'POST', '/overlays', text), 400, 'invalid_format');
    assert.equal((await api(server, keyA, 'DELETE', `/overlays/${created.body.data.id}`)).status, 200);
  });

  test('URL ingest downloads the model (private URLs allowed by the operator)', async () => {
    const { status, body } = await api(server, keyA, 'POST', '/models/ingest', { url: `${filesUrl}/chair.glb` });
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body.data.modelId, modelA, 'same bytes as the uploaded plank: deduplicated');
    assert.equal(body.data.duplicate, true);
    expectError(await api(server, keyA, 'POST', '/models/ingest', {}), 400, 'url_required');
    expectError(await api(server, keyA, 'POST', '/models/ingest', { url: 'file:///etc/passwd' }), 400, 'invalid_url');
    expectError(await api(server, keyA, 'POST', '/models/ingest', { url: `${filesUrl}/missing.glb` }), 400, 'download_failed');
  });

  test('without the operator switch, loopback and private targets are refused', async () => {
    const strictData = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-strict-'));
    const strictKey = await createKey(strictData);
    const strict = await startServerProcess(strictData);
    try {
      for (const url of [`${filesUrl}/chair.glb`, 'http://10.0.0.1/chair.glb', 'http://169.254.169.254/latest/meta-data']) {
        expectError(await api(strict, strictKey, 'POST', '/models/ingest', { url }), 400, 'invalid_url', /non-public address/);
      }
    } finally {
      await strict.stop();
      await rm(strictData, { recursive: true, force: true });
    }
  });

  test('a broken model is caught by its system preview: invalid with the reason; its error can be dismissed', async () => {
    const upload = await api(server, keyA, 'POST', '/models', await modelForm('fixtures/generated/bad-truncated.glb'));
    assert.equal(upload.status, 201);
    const { render } = await waitForRender(server, keyA, upload.body.data.renderId);
    assert.equal(render.status, 'error');
    assert.equal(render.errorCode, 'invalid_model');
    assert.match(render.errorMessage, /truncated/);
    const model = (await api(server, keyA, 'GET', `/models/${upload.body.data.modelId}`)).body.data;
    assert.equal(model.status, 'invalid');
    assert.match(model.invalidReason, /truncated/);
    expectError(await api(server, keyA, 'POST', '/renders', { modelId: model.id }), 400, 'invalid_model');
    const dismissed = await api(server, keyA, 'PATCH', `/renders/${render.id}/dismiss`);
    assert.equal(dismissed.body.data.status, 'failed');
  });
});
