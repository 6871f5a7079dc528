/**
 * Where the hosted API's documentation and our behaviour used to differ, on a real
 * `renderbay serve` on 127.0.0.1 (REST, and MCP over Streamable HTTP where a tool shows
 * the same thing): `is_system_preview` on every render, `effect: "dataset"`, a quote that
 * reads only priced fields, clamped paging, overlay uploads answering 200 and system
 * overlays published with the CLI, and upload refusals that say what is wrong.
 *
 * Paid renders created here are deleted at once (refunded): nothing but the free system
 * preview is rendered.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import sharp from 'sharp';
import { api, cli, createKey, expectError, modelForm, startServerProcess, tempLeftovers, type ServerProcess } from './helpers/api-server.js';
import { call, callError, CLI, connectHttp } from './helpers/mcp.js';

const WIDE = 'fixtures/generated/wide.glb';
let dataDirectory: string;
let scratch: string;
let server: ServerProcess;
let keyA: string;
let keyB: string;
let mcp: Client;
let modelA: string;
let previewA: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-compat-'));
  scratch = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-compat-files-'));
  keyA = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'b@example.com', '--credits', '5', '--data', dataDirectory);
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  server = await startServerProcess(dataDirectory);
  mcp = await connectHttp(server.url, keyA);
  const upload = await api(server, keyA, 'POST', '/models', await modelForm(WIDE));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  ({ modelId: modelA, renderId: previewA } = upload.body.data);
});
after(async () => {
  await mcp?.close();
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

const credits = async (key: string) => (await api(server, key, 'GET', '/account')).body.data.credits as number;

/** Creates a paid render, returns it, and deletes it (refunding it) so that it is never rendered. */
async function createAndDelete(renderSettings: unknown): Promise<{ status: number; body: any; debited: number }> {
  const before = await credits(keyA);
  const created = await api(server, keyA, 'POST', '/renders', { modelId: modelA, renderSettings });
  const debited = before - (await credits(keyA));
  if (created.status === 201) assert.equal((await api(server, keyA, 'DELETE', `/renders/${created.body.data.id}`)).status, 200);
  return { ...created, debited };
}

describe('is_system_preview beside isSystemPreview, wherever a render appears', () => {
  test('the model\'s renders list, GET /renders/:id and GET /renders', async () => {
    const model = (await api(server, keyA, 'GET', `/models/${modelA}`)).body.data;
    assert.deepEqual(
      model.renders.map((render: any) => [render.id, render.is_system_preview, render.isSystemPreview]),
      [[previewA, true, true]],
    );
    const render = (await api(server, keyA, 'GET', `/renders/${previewA}`)).body.data;
    assert.equal(render.is_system_preview, true);
    assert.equal(render.isSystemPreview, true);
    const list = (await api(server, keyA, 'GET', `/renders?model=${modelA}`)).body.data;
    assert.deepEqual(list.map((each: any) => [each.is_system_preview, each.isSystemPreview]), [[true, true]]);
  });

  test('a paid render says false under both names; so do the MCP tools', async () => {
    const paid = await api(server, keyA, 'POST', '/renders', { modelId: modelA, renderSettings: { length: 3 } });
    try {
      const flags = (await api(server, keyA, 'GET', `/renders/${paid.body.data.id}`)).body.data;
      assert.deepEqual([flags.is_system_preview, flags.isSystemPreview], [false, false]);
      const model = await call(mcp, 'get_model', { modelId: modelA });
      const byId = new Map(model.renders.map((render: any) => [render.id, [render.is_system_preview, render.isSystemPreview]]));
      assert.deepEqual(byId.get(previewA), [true, true]);
      assert.deepEqual(byId.get(paid.body.data.id), [false, false]);
      const preview = await call(mcp, 'get_render', { renderId: previewA });
      assert.deepEqual([preview.is_system_preview, preview.isSystemPreview], [true, true]);
    } finally {
      await api(server, keyA, 'DELETE', `/renders/${paid.body.data.id}`);
    }
  });
});

describe('effect "dataset" is output "dataset"', () => {
  test('stored as output "dataset" (default 100x800, 4 credits); datasetQuality allowed; the effect keeps its default', async () => {
    const plain = await createAndDelete({ effect: 'dataset' });
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    assert.equal(plain.body.data.renderSettings.output, 'dataset');
    assert.equal(plain.body.data.renderSettings.datasetQuality, '100x800');
    assert.equal(plain.body.data.renderSettings.effect, 'turntable', 'not a camera move');
    assert.equal(plain.debited, 4);
    const tier = await createAndDelete({ effect: 'dataset', datasetQuality: '196x1024', coverage: 'sphere' });
    assert.equal(tier.status, 201, JSON.stringify(tier.body));
    assert.deepEqual([tier.body.data.renderSettings.datasetQuality, tier.body.data.renderSettings.coverage, tier.debited], ['196x1024', 'sphere', 16]);
    // The same settings as asking for output "dataset" directly.
    const direct = await createAndDelete({ output: 'dataset', datasetQuality: '196x1024', coverage: 'sphere' });
    assert.deepEqual(direct.body.data.renderSettings, tier.body.data.renderSettings);
  });

  test('with output "video" given it is invalid_settings, and nothing is charged', async () => {
    const refused = await createAndDelete({ effect: 'dataset', output: 'video' });
    expectError(refused, 400, 'invalid_settings', /effect "dataset".*output "video"/);
    assert.equal(refused.debited, 0);
    expectError(await createAndDelete({ effect: 'sideways' }), 400, 'invalid_settings', /effect must be one of: turntable.*dataset/);
  });

  test('quote prices it (REST and MCP)', async () => {
    const quote = await api(server, keyA, 'POST', '/quote', { renders: [{ effect: 'dataset' }, { effect: 'dataset', datasetQuality: '400x2048' }] });
    assert.equal(quote.status, 200, JSON.stringify(quote.body));
    assert.deepEqual(quote.body.data.breakdown, [{ datasetQuality: '100x800', credits: 4 }, { datasetQuality: '400x2048', credits: 64 }]);
    const viaMcp = await call(mcp, 'quote', { renders: [{ effect: 'dataset', datasetQuality: '196x1024' }] });
    assert.deepEqual(viaMcp.breakdown, [{ datasetQuality: '196x1024', credits: 16 }]);
    assert.equal((await callError(mcp, 'quote', { renders: [{ effect: 'dataset', output: 'video' }] })).code, 'invalid_settings');
  });
});

describe('quote reads only the fields that change the price', () => {
  test('unpriced fields, valid or not, are ignored', async () => {
    const { status, body } = await api(server, keyA, 'POST', '/quote', {
      renders: [
        { quality: 'standard', bgColor: 'blue', length: 999, speed: 2, foregroundIds: 'nope' },
        { aspect: 'sideways', animation: 42, effect: 'hero-spin' },
        { output: 'dataset', coverage: 'everywhere' },
      ],
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.data.breakdown, [
      { quality: 'standard', credits: 4 },
      { quality: 'share', credits: 1 },
      { datasetQuality: '100x800', credits: 4 },
    ]);
    assert.equal(body.data.creditsRequired, 9);
  });

  test('a bad value of a priced field is invalid_settings naming it and the item', async () => {
    expectError(await api(server, keyA, 'POST', '/quote', { renders: [{}, { quality: 'ultra', bgColor: 'blue' }] }), 400, 'invalid_settings', /renders\[1\].*quality must be one of/);
    expectError(await api(server, keyA, 'POST', '/quote', { renders: [{ output: 'film' }] }), 400, 'invalid_settings', /output must be one of/);
    expectError(await api(server, keyA, 'POST', '/quote', { renders: [{ datasetQuality: '100x800' }] }), 400, 'invalid_settings', /datasetQuality requires output "dataset"/);
    expectError(await api(server, keyA, 'POST', '/quote', { renders: [{ effect: 'wobble', length: 999 }] }), 400, 'invalid_settings', /effect must be one of/);
    expectError(await api(server, keyA, 'POST', '/quote', { renders: ['share'] }), 400, 'invalid_settings', /renders\[0\]/);
  });
});

describe('paging: limit clamped to 1–100, offset to 0 or more, the same for every list', () => {
  const pages = (route: string) => [`/models?`, `/renders?model=${modelA}&`].map((prefix) => `${prefix}${route}`);

  test('out-of-range numbers are clamped and meta says what was used', async () => {
    for (const [query, limit, offset] of [
      ['limit=101', 100, 0],
      ['limit=100000&offset=-3', 100, 0],
      ['limit=0', 1, 0],
      ['limit=-5', 1, 0],
      ['limit=2.7&offset=0.5', 2, 0],
      ['offset=1e300', 50, Number.MAX_SAFE_INTEGER],
      ['offset=Infinity', 50, Number.MAX_SAFE_INTEGER],
      ['limit=&offset=', 50, 0],
    ] as const) {
      for (const route of pages(query)) {
        const { status, body } = await api(server, keyA, 'GET', route);
        assert.equal(status, 200, `${route}: ${JSON.stringify(body)}`);
        assert.deepEqual([body.meta.limit, body.meta.offset], [limit, offset], route);
        if (offset > 0) assert.deepEqual(body.data, [], `${route}: nothing that far`);
        else assert.ok(body.data.length >= 1 && body.data.length <= limit, route);
      }
    }
  });

  test('something that is not a number is invalid_request naming the parameter', async () => {
    for (const route of pages('limit=ten')) expectError(await api(server, keyA, 'GET', route), 400, 'invalid_request', /^limit must be a number/);
    for (const route of pages('offset=abc')) expectError(await api(server, keyA, 'GET', route), 400, 'invalid_request', /^offset must be a number/);
  });

  test('MCP list_models clamps the same way', async () => {
    const page = await call(mcp, 'list_models', { limit: 500, offset: -1 });
    assert.deepEqual([page.meta.limit, page.meta.offset], [100, 0]);
    assert.deepEqual(page.models.map((model: any) => model.id), [modelA]);
  });
});

describe('overlays', () => {
  async function imageForm(fields: Record<string, string> = {}): Promise<FormData> {
    const png = await sharp({ create: { width: 40, height: 20, channels: 4, background: '#00ff0080' } }).png().toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)]), 'mark.png');
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    return form;
  }

  test('POST /overlays answers 200 with the documented fields', async () => {
    const created = await api(server, keyA, 'POST', '/overlays', await imageForm({ name: 'Mine' }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(Object.keys(created.body.data).sort(), ['alignment', 'id', 'layer', 'name']);
    assert.equal((await api(server, keyA, 'DELETE', `/overlays/${created.body.data.id}`)).status, 200);
  });

  test('renderbay overlays publish: a system overlay every account lists and can render with; overlays list shows it', async () => {
    const image = path.join(scratch, 'logo.png');
    await sharp({ create: { width: 64, height: 32, channels: 4, background: '#ff000080' } }).png().toFile(image);
    const id = await cli('overlays', 'publish', image, '--layer', 'foreground', '--alignment', 'bottom-right', '--name', 'Studio logo', '--data', dataDirectory);
    assert.match(id, /^\S+$/, 'prints the id alone on stdout');
    for (const key of [keyA, keyB]) {
      const listed = (await api(server, key, 'GET', '/overlays')).body.data.find((overlay: any) => overlay.id === id);
      assert.ok(listed, 'every account lists it');
      assert.deepEqual(
        [listed.system, listed.layer, listed.alignment, listed.name, listed.width, listed.height, listed.mimeType],
        [true, 'foreground', 'bottom-right', 'Studio logo', 64, 32, 'image/png'],
      );
    }
    const render = await createAndDelete({ foregroundIds: [id] });
    assert.equal(render.status, 201, JSON.stringify(render.body));
    // Not the account's to delete.
    expectError(await api(server, keyA, 'DELETE', `/overlays/${id}`), 404, 'overlay_not_found');
    const list = await cli('overlays', 'list', '--data', dataDirectory);
    assert.match(list, new RegExp(`^${id}  foreground  bottom-right  64×32  Studio logo$`, 'm'));
  });

  test('publish refuses what an upload refuses, with the same codes, and leaves nothing behind', async () => {
    const notImage = path.join(scratch, 'notes.png');
    await writeFile(notImage, 'not an image');
    const failure = await promisify(execFile)(process.execPath, [CLI, 'overlays', 'publish', notImage, '--data', dataDirectory]).then(
      () => assert.fail('publish of a non-image succeeded'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failure.code, 1);
    assert.match(failure.stderr, /^renderbay: invalid_format: notes\.png is not a PNG, JPEG or WebP image/m);
    const badLayer = await promisify(execFile)(process.execPath, [CLI, 'overlays', 'publish', path.join(scratch, 'logo.png'), '--layer', 'middle', '--data', dataDirectory]).catch(
      (error: { stderr: string }) => error,
    );
    assert.match((badLayer as { stderr: string }).stderr, /invalid_request: layer must be one of: background, foreground/);
    const stray = (await tempLeftovers(dataDirectory)).filter((name) => !/\/render-/.test(name));
    assert.deepEqual(stray, [], 'no copy left in tmp/');
  });
});

describe('upload refusals say what is wrong', () => {
  async function upload(bytes: Uint8Array<ArrayBuffer>, name: string) {
    const form = new FormData();
    form.append('file', new Blob([bytes]), name);
    return api(server, keyA, 'POST', '/models', form);
  }
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

  test('random bytes named .glb: not a GLB, bad magic', async () => {
    const random = new Uint8Array(randomBytes(2048));
    random[0] = 0x00; // never 'g', '{', 'P' or a BOM
    expectError(await upload(random, 'x.glb'), 400, 'invalid_format', /^x\.glb is not a GLB: bad magic \(expected 'glTF', found 00 [0-9A-F ]{8}\)$/);
    expectError(await upload(png, 'x.glb'), 400, 'invalid_format', /^x\.glb is not a GLB: bad magic \(expected 'glTF', found 89 50 4E 47: a PNG image\)$/);
  });

  test('.gltf that is not JSON, .zip that is not a zip, an empty file, and other names', async () => {
    expectError(await upload(new TextEncoder().encode('solid cube\nfacet normal 0 0 1'), 'cube.gltf'), 400, 'invalid_format', /^cube\.gltf is not glTF JSON: it should start with '\{' \(found 'soli'\)$/);
    expectError(await upload(png, 'scan.zip'), 400, 'invalid_format', /^scan\.zip is not a zip archive: bad signature \(expected 'PK\\x03\\x04', found 89 50 4E 47: a PNG image\)$/);
    expectError(await upload(new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]), 'empty.zip'), 400, 'invalid_format', /an empty zip/);
    expectError(await upload(new Uint8Array(0), 'nothing.glb'), 400, 'invalid_format', /^nothing\.glb is empty$/);
    expectError(await upload(new TextEncoder().encode('Kaydara FBX Binary  \0'), 'chair'), 400, 'invalid_format', /^chair is not a \.glb, \.gltf or \.zip: .*found 'Kayd': an FBX model\)$/);
    const stray = (await tempLeftovers(dataDirectory)).filter((name) => !/\/render-/.test(name));
    assert.deepEqual(stray, [], 'refused uploads leave nothing in tmp/');
  });
});
