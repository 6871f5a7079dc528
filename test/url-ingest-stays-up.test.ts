/**
 * URL ingest from an HTTP/1.0 origin that closes the connection after every body
 * (`python3 -m http.server`): the case that ended `renderbay serve` and `renderbay mcp`
 * within a few ingests (undici's `assert(!this.paused)`, nodejs/undici#5360). Twenty
 * ingests in a row, large and small files mixed, in one process of each kind; every one
 * succeeds and the process answers after each.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Document, NodeIO } from '@gltf-transform/core';
import { api, createKey, startServerProcess, tempLeftovers } from './helpers/api-server.js';
import { call, connectStdio } from './helpers/mcp.js';
import { startPythonHttpServer, type PythonHttpServer } from './helpers/python-http-server.js';

const INGESTS = 20;
let root: string;
let files: PythonHttpServer;
let largeBytes: number;

/** A valid GLB of about 4 MB: a 340 × 340 height field (positions and 32-bit indices), cheap to render. */
async function largeGlb(): Promise<Uint8Array> {
  const side = 340;
  const positions = new Float32Array(side * side * 3);
  for (let row = 0; row < side; row++) {
    for (let column = 0; column < side; column++) {
      const x = column / (side - 1) - 0.5;
      const z = row / (side - 1) - 0.5;
      positions.set([x, 0.05 * Math.sin(x * 20) * Math.cos(z * 20), z], (row * side + column) * 3);
    }
  }
  const indices = new Uint32Array((side - 1) * (side - 1) * 6);
  let next = 0;
  for (let row = 0; row < side - 1; row++) {
    for (let column = 0; column < side - 1; column++) {
      const corner = row * side + column;
      indices.set([corner, corner + side, corner + 1, corner + 1, corner + side, corner + side + 1], next);
      next += 6;
    }
  }
  const document = new Document();
  const buffer = document.createBuffer();
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', document.createAccessor().setType('VEC3').setArray(positions).setBuffer(buffer))
    .setIndices(document.createAccessor().setType('SCALAR').setArray(indices).setBuffer(buffer))
    .setMaterial(document.createMaterial('Terrain').setBaseColorFactor([0.4, 0.6, 0.3, 1]));
  document.createScene().addChild(document.createNode('Terrain').setMesh(document.createMesh('Terrain').addPrimitive(primitive)));
  return new NodeIO().writeBinary(document);
}

/** large (4 MB), small (1.4 MB), large, …: the file of the i-th ingest. Two models, two preview renders. */
const fileOf = (index: number) => (index % 2 === 0 ? 'large.glb' : 'small.glb');

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'renderbay-url-ingest-'));
  const served = path.join(root, 'served');
  await mkdir(served);
  const large = await largeGlb();
  largeBytes = large.byteLength;
  await writeFile(path.join(served, 'large.glb'), large);
  // Not tiny: the old downloader needed a body big enough to pause its parser (a few KB never did).
  await copyFile('fixtures/sample/Suzanne.glb', path.join(served, 'small.glb'));
  files = await startPythonHttpServer(served);
});

after(async () => {
  await files?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('URL ingest from python3 -m http.server (HTTP/1.0, Connection: close)', () => {
  test(`${INGESTS} ingests in a row through POST /v1/models/ingest, one renderbay serve`, async () => {
    assert.ok(largeBytes > 3 * 1024 * 1024, `the large file is several MB (${largeBytes} bytes)`);
    const dataDirectory = path.join(root, 'serve-data');
    const key = await createKey(dataDirectory);
    const server = await startServerProcess(dataDirectory, { allowPrivateUrls: true });
    try {
      const modelIds = new Map<string, string>();
      for (let index = 0; index < INGESTS; index++) {
        const file = fileOf(index);
        const response = await api(server, key, 'POST', '/models/ingest', { url: `${files.url}/${file}` });
        assert.equal(response.status, 201, `ingest ${index + 1} (${file}): ${JSON.stringify(response.body)}\n${server.log()}`);
        const { modelId, duplicate } = response.body.data;
        assert.equal(duplicate, modelIds.has(file), `ingest ${index + 1}: the same bytes are the same model`);
        assert.equal(modelId, modelIds.get(file) ?? modelId);
        modelIds.set(file, modelId);
        assert.equal((await api(server, key, 'GET', '/account')).status, 200, `the server answers after ingest ${index + 1}`);
      }
      assert.equal(server.process.exitCode, null, 'still running');
      const large = await api(server, key, 'GET', `/models/${modelIds.get('large.glb')}`);
      assert.equal(large.body.data.fileSize, largeBytes);
      // (a preview render may still be working in tmp/: only downloads are this test's business)
      assert.deepEqual((await tempLeftovers(dataDirectory)).filter((entry) => entry.includes('download-')), [], 'no download left behind');
    } finally {
      await server.stop();
    }
  });

  test(`${INGESTS} ingests in a row through ingest_model, one renderbay mcp over stdio`, async () => {
    const mcp = await connectStdio(path.join(root, 'mcp-data'), { args: ['--allow-private-urls'] });
    try {
      const modelIds = new Map<string, string>();
      for (let index = 0; index < INGESTS; index++) {
        const file = fileOf(index);
        const ingested = await call(mcp.client, 'ingest_model', { url: `${files.url}/${file}` });
        assert.equal(ingested.duplicate, modelIds.has(file), `ingest ${index + 1} (${file})`);
        assert.equal(ingested.modelId, modelIds.get(file) ?? ingested.modelId);
        modelIds.set(file, ingested.modelId);
        await call(mcp.client, 'get_account'); // the process answers after each ingest
      }
      const large = await call(mcp.client, 'get_model', { modelId: modelIds.get('large.glb') });
      assert.equal(large.fileSize ?? large.model?.fileSize, largeBytes, 'the large model has its full size');
    } finally {
      await mcp.client.close();
    }
    assert.doesNotMatch(mcp.stderr(), /AssertionError|uncaught/i);
  });
});
