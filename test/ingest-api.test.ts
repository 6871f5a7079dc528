/**
 * Model ingest through the real REST server: an OBJ scan zip becomes a GLB model that
 * passes the validator and renders; glTF folders are packed; validator reports, warnings
 * and facts appear on `GET /models/:id`; hostile uploads are refused with clear codes and
 * leave nothing behind; broken models are kept as invalid with the reason; USDZ exports
 * download as aligned packages.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import validator from 'gltf-validator';
import sharp from 'sharp';
import { openDatabase } from '../src/db/database.js';
import { zipFixture } from '../scripts/fixtures/zip-writer.js';
import { api, createKey, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { assertUsdzLayout } from './helpers/usdz-package.js';

const FIXTURES = 'fixtures/generated';
let dataDirectory: string;
let server: ServerProcess;
let key: string;
let scan: { modelId: string; renderId: string };

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-ingest-api-'));
  key = await createKey(dataDirectory);
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true });
  // Uploaded first, so its preview is the first render in the queue.
  const upload = await api(server, key, 'POST', '/models', await modelForm(path.join(FIXTURES, 'scan-textured.zip')));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  scan = upload.body.data;
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function download(route: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function upload(file: string): Promise<{ status: number; body: any }> {
  return api(server, key, 'POST', '/models', await modelForm(path.join(FIXTURES, file)));
}

async function model(modelId: string): Promise<any> {
  return (await api(server, key, 'GET', `/models/${modelId}`)).body.data;
}

function glbJson(glb: Buffer): any {
  return JSON.parse(glb.subarray(20, 20 + glb.readUInt32LE(12)).toString('utf8'));
}

/** Everything under a folder, as relative paths. */
async function listTree(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(folder, path.join(entry.parentPath ?? entry.path, entry.name)));
}

describe('an OBJ scan zip becomes a model', () => {
  test('converted to a GLB that passes the validator, renders, and keeps the upload for dedup', async () => {
    const { render } = await waitForRender(server, key, scan.renderId);
    assert.equal(render.status, 'done', render.errorMessage);
    const item = await model(scan.modelId);
    assert.equal(item.status, 'valid');
    assert.equal(item.sourceFormat, 'obj-zip');
    assert.equal(item.originalName, 'scan-textured.zip');
    assert.deepEqual(item.warnings, []);
    assert.equal(item.validation.errors, 0);
    assert.equal(item.validation.subject, 'converted');
    assert.match(item.validation.validator, /^Khronos glTF Validator /);
    assert.equal(item.facts.triangles, 12);
    assert.equal(item.facts.vertices, 24);
    assert.deepEqual(item.facts.boundingBox.size, [1, 1, 1]);
    assert.equal(item.facts.units, 'm');
    assert.deepEqual(item.facts.textures.map((texture: any) => [texture.width, texture.height, texture.mimeType]), [[256, 256, 'image/jpeg']]);

    const file = await download(`/models/${scan.modelId}/file`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'model/gltf-binary');
    assert.match(file.headers.get('content-disposition') ?? '', /filename="scan-textured\.glb"/);
    assert.equal(file.bytes.subarray(0, 4).toString('latin1'), 'glTF');
    const report = await validator.validateBytes(new Uint8Array(file.bytes), { writeTimestamp: false });
    assert.equal(report.issues.numErrors, 0, JSON.stringify(report.issues.messages));
    assert.equal(glbJson(file.bytes).materials[0].pbrMetallicRoughness.roughnessFactor ?? 1, 1);
    assert.equal(item.file.sha256, createHash('sha256').update(file.bytes).digest('hex'));

    // The model's sha256 is the upload's: check-hash finds it from the zip the user has.
    const zipHash = createHash('sha256').update(await readFile(path.join(FIXTURES, 'scan-textured.zip'))).digest('hex');
    assert.equal(item.sha256, zipHash);
    assert.deepEqual((await api(server, key, 'POST', '/models/check-hash', { sha256: zipHash })).body.data, { exists: true, modelId: scan.modelId });
    const again = await upload('scan-textured.zip');
    assert.deepEqual([again.body.data.modelId, again.body.data.duplicate], [scan.modelId, true]);

    // The poster shows the textured box: a good share of its pixels are not the white background.
    const poster = await download(`/renders/${scan.renderId}/poster`);
    const { data, info } = await sharp(poster.bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let covered = 0;
    for (let i = 0; i < data.length; i += 3) if (Math.min(data[i], data[i + 1], data[i + 2]) < 200) covered++;
    assert.ok(covered / (info.width * info.height) > 0.03, `the scan covers ${((100 * covered) / (info.width * info.height)).toFixed(1)}% of the poster`);
  });

  test('without its .mtl, or without its texture: converted with defaults and a warning on the model', async () => {
    const noMtl = await upload('scan-no-mtl.zip');
    assert.equal(noMtl.status, 201);
    const item = await model(noMtl.body.data.modelId);
    assert.equal(item.status, 'processing');
    assert.deepEqual(item.warnings, ['Material library "scan.mtl" is not in the archive next to scan.obj: converted with a default material']);
    const noTexture = await model((await upload('scan-missing-texture.zip')).body.data.modelId);
    assert.match(noTexture.warnings.join('\n'), /texture "scan_texture\.jpg" \(map_Kd\) is not in the archive/);
    const untextured = await model((await upload('scan-untextured.zip')).body.data.modelId);
    assert.deepEqual(untextured.warnings, []);
    assert.equal(untextured.facts.materials.length, 1);
  });

  test('a glTF folder zip is packed into one GLB', async () => {
    const created = await upload('gltf-folder.zip');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const item = await model(created.body.data.modelId);
    assert.equal(item.sourceFormat, 'gltf-zip');
    assert.equal(item.validation.errors, 0);
    const file = await download(`/models/${item.id}/file`);
    assert.equal(file.headers.get('content-type'), 'model/gltf-binary');
    assert.equal(glbJson(file.bytes).buffers.length, 1);
  });

  test('URL ingest still takes .glb/.gltf only', async () => {
    const zip = await readFile(path.join(FIXTURES, 'scan-textured.zip'));
    const files = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/zip' }).end(zip));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(files.address() as { port: number }).port}/scan.zip`;
      const response = await api(server, key, 'POST', '/models/ingest', { url });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'invalid_format');
    } finally {
      files.close();
    }
  });
});

describe('validation reports, warnings and facts on GET /models/:id', () => {
  test('a model with validator warnings keeps the report with pointers; facts list clips and variants', async () => {
    const skinned = await model((await upload('skinned-morph.glb')).body.data.modelId);
    assert.equal(skinned.validation.errors, 0);
    assert.ok(skinned.validation.warnings > 0);
    assert.ok(skinned.validation.messages.some((message: any) => message.severity === 'warning' && message.pointer?.startsWith('/')));
    assert.deepEqual(skinned.facts.animations.map((animation: any) => animation.name), ['wave']);
    const variants = await model((await upload('variants.glb')).body.data.modelId);
    assert.deepEqual(variants.facts.variants, ['Red', 'Blue']);
    assert.deepEqual(variants.facts.extensionsUsed.sort(), ['KHR_materials_variants', 'KHR_texture_transform']);
    assert.equal(variants.usdz, null, 'not exported yet');
  });

  test('compressed glTF: GET /models/:id/file returns the upload byte for byte; renders use the decoded GLB', async () => {
    for (const [fixture, extension] of [
      ['draco.glb', 'KHR_draco_mesh_compression'],
      ['meshopt.glb', 'EXT_meshopt_compression'],
    ]) {
      const uploaded = await readFile(path.join(FIXTURES, fixture));
      const sha256 = createHash('sha256').update(uploaded).digest('hex');
      const item = await model((await upload(fixture)).body.data.modelId);
      assert.ok(item.facts.extensionsUsed.includes(extension), fixture);
      assert.match(item.facts.normalisation.join('\n'), new RegExp(`${extension} geometry was decoded`), fixture);
      const file = await download(`/models/${item.id}/file`);
      assert.equal(file.status, 200);
      assert.ok(file.bytes.equals(uploaded), `${fixture}: the download is the upload (${file.bytes.length} vs ${uploaded.length} bytes)`);
      assert.equal(file.headers.get('etag'), `"${sha256}"`, `${fixture}: the ETag is the upload's SHA-256`);
      assert.equal(file.headers.get('content-type'), 'model/gltf-binary');
      assert.deepEqual(item.file, { format: 'glb', size: uploaded.length, sha256 }, `${fixture}: file describes what /file returns`);
      assert.equal(item.sha256, sha256);
      // What renders read is the normalised GLB: decoded, no compression extension left.
      const db = openDatabase(dataDirectory);
      const { file_key: renderedKey } = db.prepare('SELECT file_key FROM models WHERE id = ?').get(item.id) as { file_key: string };
      db.close();
      assert.notEqual(renderedKey, sha256);
      const rendered = await readFile(path.join(dataDirectory, 'store', renderedKey.slice(0, 2), renderedKey.slice(2, 4), renderedKey));
      assert.equal((glbJson(rendered).extensionsUsed ?? []).includes(extension), false, `${fixture}: the rendered GLB is decoded`);
    }
  });
});

describe('hostile and broken uploads', () => {
  test('hostile archives are refused with clear codes; nothing is stored and nothing is left behind', async () => {
    const modelsBefore = (await api(server, key, 'GET', '/models')).body.meta.total;
    const cases: [string, string, RegExp][] = [
      ['bad-zip-slip.zip', 'unsafe_archive', /\.\.\/\.\.\/renderbay-zip-slip\.txt/],
      ['bad-zip-absolute.zip', 'unsafe_archive', /absolute path/],
      ['bad-zip-drive-letter.zip', 'unsafe_archive', /drive letter/],
      ['bad-zip-backslash.zip', 'unsafe_archive', /backslash/],
      ['bad-zip-symlink.zip', 'unsafe_archive', /symbolic link/],
      ['bad-zip-bomb.zip', 'unsafe_archive', /zip bomb/],
      ['bad-zip-lying-size.zip', 'unsafe_archive', /its header declares/],
      ['bad-zip-many-entries.zip', 'unsafe_archive', /1500 entries/],
      ['bad-zip-nested.zip', 'unsafe_archive', /nested archives/],
      ['bad-zip-disguised-nested.zip', 'unsafe_archive', /itself a zip archive/],
      ['bad-scan-two-objs.zip', 'invalid_format', /"left\.obj", "right\.obj"/],
      ['bad-ktx2.glb', 'unsupported_extension', /KHR_texture_basisu/],
    ];
    for (const [file, code, message] of cases) {
      const response = await upload(file);
      assert.equal(response.status, 400, `${file}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, code, file);
      assert.match(response.body.error.message, message, file);
    }
    // Stored files are named by their SHA-256: none of the refused uploads is there.
    const stored = new Set((await listTree(path.join(dataDirectory, 'store'))).map((file) => path.basename(file)));
    for (const [file] of cases) {
      const sha256 = createHash('sha256').update(await readFile(path.join(FIXTURES, file))).digest('hex');
      assert.equal(stored.has(sha256), false, `${file} was not stored`);
    }
    assert.equal((await api(server, key, 'GET', '/models')).body.meta.total, modelsBefore);
    // Scratch folders may be per process (tmp/<pid>-…/): look at every level.
    const scratch = await readdir(path.join(dataDirectory, 'tmp'), { recursive: true });
    const leftovers = scratch.filter((name) => /(^|\/)(ingest-|archive-|\.upload-)/.test(name));
    assert.deepEqual(leftovers, [], 'no ingest folders or upload parts left in tmp/');
    for (const escaped of [path.resolve(dataDirectory, '..', 'renderbay-zip-slip.txt'), path.resolve(dataDirectory, '..', '..', 'renderbay-zip-slip.txt'), '/tmp/renderbay-absolute.txt']) {
      await assert.rejects(readFile(escaped), { code: 'ENOENT' }, escaped);
    }
  });

  test('JSON that is not glTF is not a model: refused under any name, alone or in a zip, and nothing of it is stored', async () => {
    const modelsBefore = (await api(server, key, 'GET', '/models')).body.meta.total;
    const secret = '{"aws_secret_access_key": "not-a-model"}\n';
    const zipped = path.join(dataDirectory, 'secret.zip');
    await writeFile(zipped, zipFixture([{ name: 'config/secret.gltf', data: secret }]));
    const plain = path.join(dataDirectory, 'credentials.json');
    await writeFile(plain, secret);
    const cases: [string, string, RegExp][] = [
      [plain, 'credentials.json', /^credentials\.json is not a \.glb, \.gltf or \.zip/],
      [plain, 'credentials.gltf', /^The file is not a glTF model: it is JSON without the asset\.version/],
      [plain, 'credentials', /^The file is not a glTF model/],
      [zipped, 'secret.zip', /^config\/secret\.gltf in the archive is not a glTF model/],
    ];
    for (const [file, name, message] of cases) {
      const response = await api(server, key, 'POST', '/models', await modelForm(file, undefined, name));
      assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'invalid_format', name);
      assert.match(response.body.error.message, message, name);
    }
    const stored = new Set((await listTree(path.join(dataDirectory, 'store'))).map((file) => path.basename(file)));
    for (const file of [plain, zipped]) {
      assert.equal(stored.has(createHash('sha256').update(await readFile(file)).digest('hex')), false, `${file} was not stored`);
    }
    assert.equal((await api(server, key, 'GET', '/models')).body.meta.total, modelsBefore);
  });

  test('a broken scan is kept as invalid with the reason; its preview fails at once and nothing is charged', async () => {
    const before = (await api(server, key, 'GET', '/account')).body.data.credits;
    const created = await api(server, key, 'POST', '/models', await modelForm(path.join(FIXTURES, 'bad-scan-face-index.zip'), { length: 3 }));
    assert.equal(created.status, 201);
    const item = await model(created.body.data.modelId);
    assert.equal(item.status, 'invalid');
    assert.match(item.invalidReason, /scan\.obj could not be converted: Position index 998 is out of bounds/);
    const render = (await api(server, key, 'GET', `/renders/${created.body.data.renderId}`)).body.data;
    assert.equal(render.status, 'error');
    assert.equal(render.errorCode, 'invalid_model');
    assert.equal((await api(server, key, 'GET', '/account')).body.data.credits, before);
    const retry = await api(server, key, 'POST', '/renders', { modelId: item.id });
    assert.equal(retry.body.error.code, 'invalid_model');
    const file = await download(`/models/${item.id}/file`);
    assert.equal(file.headers.get('content-type'), 'application/zip', 'an invalid scan keeps its upload as its file');
  });

  test('errors that break rendering, found by the validator, mark the model invalid with its messages', async () => {
    const item = await model((await upload('bad-index-oob.glb')).body.data.modelId);
    assert.equal(item.status, 'invalid');
    assert.match(item.invalidReason, /ACCESSOR_INDEX_OOB at \/meshes\/0\/primitives\/0\/indices: Indices accessor element at index 35 has value 999/);
    assert.equal(item.validation.blocking, true);
    const usdz = await api(server, key, 'GET', `/models/${item.id}/usdz`);
    assert.equal(usdz.status, 400);
    assert.equal(usdz.body.error.code, 'invalid_model');
  });

  test('hostile MTL paths are not followed; the model converts with warnings', async () => {
    const item = await model((await upload('bad-scan-mtl-escape.zip')).body.data.modelId);
    assert.equal(item.status, 'processing');
    assert.match(item.warnings.join('\n'), /"\/etc\/passwd", outside the archive; it was not read/);
    assert.doesNotMatch(item.warnings.join('\n'), new RegExp(dataDirectory.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no server paths');
  });
});

describe('USDZ export', () => {
  test('GET /models/:id/usdz: an aligned package with the layer first, the texture inside, cached after the first export', async () => {
    const first = await download(`/models/${scan.modelId}/usdz`);
    assert.equal(first.status, 200, first.bytes.toString());
    assert.equal(first.headers.get('content-type'), 'model/vnd.usdz+zip');
    assert.match(first.headers.get('content-disposition') ?? '', /filename="scan-textured\.usdz"/);
    const entries = assertUsdzLayout(first.bytes, [/^model\.usda$/, /^textures\/texture_0\.jpg$/]);
    const usda = entries[0].data.toString('utf8');
    assert.match(usda, /def Mesh "/);
    assert.match(usda, /def Material "/);
    assert.match(usda, /float inputs:roughness = 1\b/);
    assert.match(usda, /asset inputs:file = @textures\/texture_0\.jpg@/);
    const item = await model(scan.modelId);
    assert.deepEqual(item.usdz.warnings, []);
    assert.equal(item.usdz.size, first.bytes.length);
    const second = await download(`/models/${scan.modelId}/usdz`);
    assert.equal(second.headers.get('etag'), first.headers.get('etag'));
  });

  test('what USDZ cannot carry is listed on the model', async () => {
    const created = await upload('variants.glb');
    const usdz = await download(`/models/${created.body.data.modelId}/usdz`);
    assert.equal(usdz.status, 200);
    const item = await model(created.body.data.modelId);
    assert.match(item.usdz.warnings.join('\n'), /Texture transforms \(KHR_texture_transform\) are not carried/);
    assert.match(item.usdz.warnings.join('\n'), /Material variants/);
  });
});
