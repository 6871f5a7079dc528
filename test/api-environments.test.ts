/**
 * Environments and lighting over REST: an HDR upload is accepted and listed, a file that
 * is not HDR/EXR and one declaring a huge panorama are refused with stable codes, another
 * account's environment answers environment_not_found (also when a render names it), and
 * GET /lighting lists the presets with a preview PNG rendered once and cached.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, cli, createKey, expectError, modelForm, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { hdrDeclaring, uniformHdr } from './helpers/hdr.js';

const WIDE = 'fixtures/generated/wide.glb';
let dataDirectory: string;
let server: ServerProcess;
let keyA: string;
let keyB: string;
let modelB: string;

function fileForm(bytes: Buffer, filename: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), filename);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-environments-'));
  keyA = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'b@example.com', '--credits', '50', '--data', dataDirectory);
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  server = await startServerProcess(dataDirectory);
  const upload = await api(server, keyB, 'POST', '/models', await modelForm(WIDE));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  modelB = upload.body.data.modelId;
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('environments', () => {
  let environmentId: string;

  test('POST /environments accepts a Radiance HDR and reports its size; GET lists and shows it', async () => {
    const created = await api(server, keyA, 'POST', '/environments', fileForm(uniformHdr(64, 32, [1, 0.5, 0.25]), 'warm.hdr', { name: 'Warm' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.data.format, 'hdr');
    assert.equal(created.body.data.width, 64);
    assert.equal(created.body.data.height, 32);
    assert.equal(created.body.data.name, 'Warm');
    environmentId = created.body.data.id;
    const listed = await api(server, keyA, 'GET', '/environments');
    assert.deepEqual(listed.body.data.map((environment: any) => environment.id), [environmentId]);
    assert.equal((await api(server, keyA, 'GET', `/environments/${environmentId}`)).body.data.id, environmentId);
  });

  test('a file that is not HDR/EXR is refused: invalid_format', async () => {
    expectError(await api(server, keyA, 'POST', '/environments', fileForm(Buffer.from('\x89PNG\r\n\x1a\nnot really'), 'sky.hdr')), 400, 'invalid_format', /not a Radiance HDR \(\.hdr\) or OpenEXR/);
  });

  test('a file declaring a huge panorama is refused before decoding: image_too_large', async () => {
    expectError(await api(server, keyA, 'POST', '/environments', fileForm(hdrDeclaring(60000, 30000), 'huge.hdr')), 400, 'image_too_large', /60000×30000/);
  });

  test("another account's environment answers environment_not_found, also when a render names it", async () => {
    expectError(await api(server, keyB, 'GET', `/environments/${environmentId}`), 404, 'environment_not_found');
    expectError(await api(server, keyB, 'DELETE', `/environments/${environmentId}`), 404, 'environment_not_found');
    expectError(await api(server, keyB, 'POST', '/renders', { modelId: modelB, renderSettings: { environmentImage: environmentId } }), 404, 'environment_not_found', /neutral, apartment/);
    expectError(await api(server, keyB, 'POST', '/renders', { modelId: modelB, renderSettings: { environmentImage: 'moon' } }), 404, 'environment_not_found');
  });

  test('DELETE /environments/:id removes it', async () => {
    assert.equal((await api(server, keyA, 'DELETE', `/environments/${environmentId}`)).status, 200);
    expectError(await api(server, keyA, 'GET', `/environments/${environmentId}`), 404, 'environment_not_found');
  });
});

describe('lighting presets', () => {
  test('GET /lighting lists the presets with labels and a preview PNG, rendered once and cached', async () => {
    const listed = await api(server, keyA, 'GET', '/lighting');
    assert.equal(listed.status, 200);
    const names = listed.body.data.map((preset: any) => preset.name);
    for (const name of ['studio-soft', 'studio-contrast', 'golden-hour', 'overcast', 'night', 'outdoor-noon']) assert.ok(names.includes(name), name);
    const golden = listed.body.data.find((preset: any) => preset.name === 'golden-hour');
    assert.equal(golden.label, 'Golden Hour');
    assert.equal(golden.preview, '/v1/lighting/golden-hour/preview.png');
    const previewUrl = `${server.url}${golden.preview.replace(/^\/v1/, '')}`;
    const headers = { authorization: `Bearer ${keyA}` };
    const first = await fetch(previewUrl, { headers });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), 'image/png');
    const png = Buffer.from(await first.arrayBuffer());
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    const cached = await readdir(path.join(dataDirectory, 'lighting-previews'));
    assert.equal(cached.filter((file) => file.startsWith('golden-hour-') && file.endsWith('.png')).length, 1);
    const second = await fetch(previewUrl, { headers });
    assert.deepEqual(Buffer.from(await second.arrayBuffer()), png, 'served from the cache');
    expectError(await api(server, keyA, 'GET', '/lighting/disco/preview.png'), 404, 'lighting_not_found', /studio-soft/);
  });
});
