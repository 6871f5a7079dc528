/** A training dataset ordered over the REST API: priced from the table, rendered by the job engine, downloadable. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { api, createKey, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';

let dataDirectory: string;
let server: ServerProcess;
let key: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-dataset-'));
  key = await createKey(dataDirectory);
  server = await startServerProcess(dataDirectory);
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

test('POST /quote prices custom dataset shapes as the tier that covers them', async () => {
  const renders = [
    { output: 'dataset', datasetViews: 16, datasetSize: 256 },
    { output: 'dataset', datasetViews: 150 },
    { output: 'dataset', datasetViews: 1000, datasetSize: 512 },
  ];
  const { status, body } = await api(server, key, 'POST', '/quote', { renders });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.data.breakdown, [
    { datasetQuality: '100x800', datasetViews: 16, datasetSize: 256, credits: 4 },
    { datasetQuality: '196x1024', datasetViews: 150, datasetSize: 800, credits: 16 },
    { datasetQuality: '400x2048', datasetViews: 1000, datasetSize: 512, credits: 192 },
  ]);
  const tooMany = await api(server, key, 'POST', '/quote', { renders: [{ output: 'dataset', datasetViews: 1001 }] });
  assert.equal(tooMany.body.error.code, 'invalid_settings');
});

test('POST /renders with output "dataset" costs the dataset price and serves dataset.zip', async () => {
  const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/textured-cube.glb'));
  const { modelId } = upload.body.data;
  // A small custom shape (fast to render) within the 100x800 tier: billed as that tier.
  const renderSettings = { output: 'dataset', datasetQuality: '100x800', datasetViews: 16, datasetSize: 256 };
  const created = await api(server, key, 'POST', '/renders', { modelId, renderSettings });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await api(server, key, 'GET', '/account')).body.data.credits, 96, 'covered by 100x800: 4 credits');
  const rejected = await api(server, key, 'POST', '/renders', { modelId, renderSettings: { datasetQuality: '100x800' } });
  assert.equal(rejected.body.error.code, 'invalid_settings');
  const { render } = await waitForRender(server, key, created.body.data.id, 180_000);
  assert.equal(render.status, 'done', render.errorMessage);
  assert.ok(render.fileSize > 50_000);
  const response = await fetch(`${server.url}/renders/${render.id}/dataset`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/zip');
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.equal(bytes.length, render.fileSize);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004');
  const video = await api(server, key, 'GET', `/renders/${render.id}/video`);
  assert.equal(video.body.error.code, 'video_not_found');
});
