/**
 * The ingest pipeline on its own (no server): every hostile archive is refused with a
 * clear code before anything lands outside its folder; OBJ scans and glTF folders become
 * one GLB that passes the Khronos validator; broken models come back with a reason;
 * compressed and modern glTF is normalised.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import validator from 'gltf-validator';
import { RenderbayError } from '../src/errors.js';
import { ingestInWorker } from '../src/ingest/ingest-worker.js';
import { ingestModelFile, type IngestResult } from '../src/ingest/ingest-model.js';
import { textureFileName } from '../src/ingest/obj-scan-to-glb.js';
import { unsafeUri } from '../src/ingest/read-gltf-source.js';
import { extractArchive, unsafeEntryName } from '../src/ingest/zip-archive.js';
import type { ModelFormat } from '../src/models/model-format.js';

const FIXTURES = 'fixtures/generated';
let root: string;

before(async () => {
  // Nested two levels deep so that a `../../` escape would still land inside `root`, where we look for it.
  root = await mkdtemp(path.join(os.tmpdir(), 'renderbay-ingest-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the pipeline in a fresh work folder two levels below `root`, then removes the folder as the service does. */
async function ingest(file: string, format: ModelFormat = file.endsWith('.zip') ? 'zip' : file.endsWith('.gltf') ? 'gltf' : 'glb'): Promise<IngestResult & { glb: Uint8Array | null }> {
  const parent = await mkdtemp(path.join(root, 'a-'));
  const workDirectory = path.join(parent, 'work');
  await mkdir(workDirectory);
  try {
    const result = await ingestModelFile(path.join(FIXTURES, file), { workDirectory, format });
    return { ...result, glb: result.glbPath ? new Uint8Array(await readFile(result.glbPath)) : null };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

async function refused(file: string, code: string, message: RegExp): Promise<void> {
  await assert.rejects(ingest(file), (error: unknown) => {
    assert.ok(error instanceof RenderbayError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

function glbJson(glb: Uint8Array): any {
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  return JSON.parse(Buffer.from(glb.subarray(20, 20 + view.getUint32(12, true))).toString('utf8'));
}

async function validatorErrors(glb: Uint8Array): Promise<number> {
  return (await validator.validateBytes(glb, { writeTimestamp: false })).issues.numErrors;
}

describe('hostile archives are refused before anything is extracted', () => {
  const cases: [string, string, RegExp][] = [
    ['bad-zip-slip.zip', 'unsafe_archive', /unsafe entry "\.\.\/\.\.\/renderbay-zip-slip\.txt" \(a "\.\." path segment\)/],
    ['bad-zip-absolute.zip', 'unsafe_archive', /unsafe entry "\/tmp\/renderbay-absolute\.txt" \(an absolute path\)/],
    ['bad-zip-drive-letter.zip', 'unsafe_archive', /unsafe entry "C:\/renderbay-drive\.txt" \(a drive letter/],
    ['bad-zip-backslash.zip', 'unsafe_archive', /backslash/],
    ['bad-zip-symlink.zip', 'unsafe_archive', /"scan_texture\.jpg" is a symbolic link/],
    ['bad-zip-bomb.zip', 'unsafe_archive', /expands \d+× \(a zip bomb\?\); the limit is 100×/],
    ['bad-zip-lying-size.zip', 'unsafe_archive', /more than the 1000 bytes its header declares/],
    ['bad-zip-many-entries.zip', 'unsafe_archive', /lists 1500 entries; the limit is 1000/],
    ['bad-zip-nested.zip', 'unsafe_archive', /another archive \("more\/textures\.zip"\)/],
    ['bad-zip-disguised-nested.zip', 'unsafe_archive', /"scan_texture\.jpg" is itself a zip archive/],
    ['bad-scan-two-objs.zip', 'invalid_format', /more than one OBJ \("left\.obj", "right\.obj"\)/],
    ['bad-ktx2.glb', 'unsupported_extension', /KHR_texture_basisu/],
  ];
  for (const [file, code, message] of cases) {
    test(`${file} → ${code}`, async () => {
      await refused(file, code, message);
      assert.deepEqual(await readdir(root).then((names) => names.filter((name) => !name.startsWith('a-'))), [], 'nothing written beside the work folders');
      assert.equal(existsSync('/tmp/renderbay-absolute.txt'), false);
      assert.equal(existsSync(path.resolve('renderbay-zip-slip.txt')), false);
    });
  }

  test('the work folders are all gone again', async () => {
    assert.deepEqual(await readdir(root), []);
  });

  test('entry names: absolute, drive letters, backslashes, `..`, control characters', () => {
    for (const name of ['/etc/passwd', 'C:/x', 'c:x', '..\\x', 'a/../../b', '..', 'a//b', 'a\u0000b', 'x:y']) assert.ok(unsafeEntryName(name), name);
    for (const name of ['scan.obj', 'textures/a b.png', 'deep/er/model.mtl', 'folder/']) assert.equal(unsafeEntryName(name), null, name);
  });

  test('the size cap holds while inflating, whatever the headers say', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-cap-'));
    try {
      await assert.rejects(extractArchive(path.join(FIXTURES, 'scan-textured.zip'), directory, { maxUncompressedBytes: 1500 }), /expands to more than/);
      await assert.rejects(extractArchive(path.join(FIXTURES, 'scan-textured.zip'), directory, { maxEntries: 2 }), /lists 4 entries; the limit is 2/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('glTF URIs: schemes, absolute paths and `..` are refused; MTL texture options are skipped', () => {
    for (const uri of ['file:///etc/passwd', 'http://example.com/a.bin', '/etc/passwd', 'C:\\x.bin', '../a.bin', 'a/%2e%2e/b.bin']) assert.ok(unsafeUri(uri), uri);
    for (const uri of ['model.bin', 'textures/a%20b.png']) assert.equal(unsafeUri(uri), null, uri);
    assert.equal(textureFileName('-s 1 1 1 -o 0 0 texture map.jpg'), 'texture map.jpg');
    assert.equal(textureFileName('-bm 0.5 normal.png'), 'normal.png');
  });
});

describe('broken models inside archives come back with a reason (kept, marked invalid)', () => {
  test('an OBJ face indexing past the vertex list', async () => {
    const result = await ingest('bad-scan-face-index.zip');
    assert.match(result.invalidReason ?? '', /scan\.obj could not be converted: Position index 998 is out of bounds/);
    assert.equal(result.glb, null);
  });

  test('a texture declaring 100000×100000 pixels is refused from its header', async () => {
    const result = await ingest('bad-scan-huge-texture.zip');
    assert.match(result.invalidReason ?? '', /"huge\.png" declares 100000×100000 pixels; the limit is 16384×16384/);
  });

  for (const [file, reason] of [
    ['bad-gltf-uri-file.zip', /"file:\/\/\/etc\/passwd", which is refused: the file: scheme is not allowed/],
    ['bad-gltf-uri-http.zip', /"http:\/\/127\.0\.0\.1:9\/model\.bin", which is refused: the http: scheme/],
    ['bad-gltf-uri-parent.zip', /"\.\.\/model\.bin", which is refused: it climbs out/],
  ] as const) {
    test(`${file}: invalid, with the validator's IO_ERROR beside our reason`, async () => {
      const result = await ingest(file);
      assert.match(result.invalidReason ?? '', reason);
      assert.equal(result.validation?.blocking, true);
      assert.ok(result.validation?.messages.some((message) => message.code === 'IO_ERROR' && message.pointer === '/buffers/0/uri'));
    });
  }

  test('an MTL pointing at /etc/passwd and ../ converts without reading them, with warnings', async () => {
    const result = await ingest('bad-scan-mtl-escape.zip');
    assert.equal(result.invalidReason, null);
    assert.ok(result.glb);
    assert.equal(Buffer.from(result.glb).includes('root:'), false, '/etc/passwd was not embedded');
    assert.equal(glbJson(result.glb).images, undefined);
    assert.ok(result.warnings.some((warning) => /map_Kd refers to "\/etc\/passwd", outside the archive; it was not read/.test(warning)), result.warnings.join('\n'));
    assert.ok(result.warnings.some((warning) => /map_Bump refers to "\.\.\/secret-normal\.png", outside the archive/.test(warning)));
    assert.ok(result.warnings.every((warning) => !warning.includes(root)), 'no server paths in warnings');
  });

  test('index past the vertex list in a GLB: the validator blocks it', async () => {
    const result = await ingest('bad-index-oob.glb');
    assert.match(result.invalidReason ?? '', /ACCESSOR_INDEX_OOB at \/meshes\/0\/primitives\/0\/indices/);
  });
});

describe('scans and glTF folders become one validated GLB', () => {
  test('a textured OBJ scan: matte material, its JPEG embedded, no warnings, validator clean', async () => {
    const result = await ingest('scan-textured.zip');
    assert.equal(result.sourceFormat, 'obj-zip');
    assert.deepEqual(result.warnings, []);
    assert.ok(result.glb);
    assert.equal(await validatorErrors(result.glb), 0);
    const json = glbJson(result.glb);
    assert.equal(json.materials.length, 1);
    assert.equal(json.materials[0].pbrMetallicRoughness.roughnessFactor ?? 1, 1, "roughness 1 (the glTF default, so omitted)");
    assert.equal(json.materials[0].pbrMetallicRoughness.metallicFactor ?? 1, 0);
    assert.equal(json.images[0].mimeType, 'image/jpeg');
    assert.equal(result.validation?.subject, 'converted');
    assert.equal(result.facts?.triangles, 12);
    assert.deepEqual(result.facts?.boundingBox?.size, [1, 1, 1]);
    assert.equal(result.facts?.unitsAssumed, true);
    assert.deepEqual(result.facts?.textures.map(({ width, height, mimeType }) => ({ width, height, mimeType })), [{ width: 256, height: 256, mimeType: 'image/jpeg' }]);
  });

  test('untextured, without its .mtl, without its texture: converted with defaults and warnings', async () => {
    const untextured = await ingest('scan-untextured.zip');
    assert.deepEqual(untextured.warnings, []);
    const colour = glbJson(untextured.glb!).materials[0].pbrMetallicRoughness.baseColorFactor;
    assert.deepEqual(colour.slice(0, 3).map((value: number) => Number(value.toFixed(2))), [0.4, 0.6, 0.3]);
    const noMtl = await ingest('scan-no-mtl.zip');
    assert.deepEqual(noMtl.warnings, ['Material library "scan.mtl" is not in the archive next to scan.obj: converted with a default material']);
    assert.equal(await validatorErrors(noMtl.glb!), 0);
    const noTexture = await ingest('scan-missing-texture.zip');
    assert.deepEqual(noTexture.warnings, ['scan.mtl: texture "scan_texture.jpg" (map_Kd) is not in the archive; the material uses its colour only']);
  });

  test('a glTF folder (.gltf + .bin + textures/) is packed into one GLB', async () => {
    const result = await ingest('gltf-folder.zip');
    assert.equal(result.sourceFormat, 'gltf-zip');
    assert.equal(result.validation?.errors, 0);
    assert.equal(result.validation?.subject, 'upload');
    const json = glbJson(result.glb!);
    assert.equal(json.buffers.length, 1);
    assert.equal(json.buffers[0].uri, undefined);
    assert.equal(json.images[0].bufferView !== undefined, true);
    assert.equal(await validatorErrors(result.glb!), 0);
  });

  test('in a worker thread, with the same result, task after task', async () => {
    const workDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-worker-'));
    try {
      const result = await ingestInWorker(path.join(FIXTURES, 'scan-textured.zip'), { workDirectory, format: 'zip' });
      assert.equal(result.facts?.triangles, 12);
      await assert.rejects(ingestInWorker(path.join(FIXTURES, 'bad-zip-slip.zip'), { workDirectory, format: 'zip' }), { code: 'unsafe_archive' });
      // The thread that refused the archive answers the next task; one that timed out is ended, and the next task gets a new one.
      assert.equal((await ingestInWorker(path.join(FIXTURES, 'textured-cube.glb'), { workDirectory, format: 'glb' })).facts?.triangles, 12);
      await assert.rejects(ingestInWorker(path.join(FIXTURES, 'scan-textured.zip'), { workDirectory, format: 'zip' }, { timeoutMs: 1 }), { code: 'timeout' });
      assert.equal((await ingestInWorker(path.join(FIXTURES, 'scan-textured.zip'), { workDirectory, format: 'zip' })).facts?.triangles, 12);
      // A thread taken just before its idle time runs out is not ended under its next task (found by the fuzzer).
      await ingestInWorker(path.join(FIXTURES, 'textured-cube.glb'), { workDirectory, format: 'glb' }, { idleMs: 1 });
      assert.equal((await ingestInWorker(path.join(FIXTURES, 'scan-textured.zip'), { workDirectory, format: 'zip' })).facts?.triangles, 12);
    } finally {
      await rm(workDirectory, { recursive: true, force: true });
    }
  });
});

describe('compressed and modern glTF is normalised once', () => {
  for (const [file, extensions] of [
    ['draco.glb', ['KHR_draco_mesh_compression']],
    ['meshopt.glb', ['EXT_meshopt_compression', 'KHR_mesh_quantization']],
  ] as const) {
    test(`${file}: decoded, plain floats, validator clean`, async () => {
      const result = await ingest(file);
      assert.ok(result.glb);
      const json = glbJson(result.glb);
      for (const extension of extensions) assert.equal((json.extensionsUsed ?? []).includes(extension), false, extension);
      assert.ok(json.accessors.filter((accessor: any) => accessor.type === 'VEC3').every((accessor: any) => accessor.componentType === 5126));
      assert.equal(await validatorErrors(result.glb), 0);
      assert.equal(result.facts?.triangles, 4992);
      assert.deepEqual(result.facts?.extensionsUsed.filter((name) => (extensions as readonly string[]).includes(name)).sort(), [...extensions].sort());
    });
  }

  test('a WebP texture becomes JPEG (it is opaque); EXT_texture_webp is gone', async () => {
    const result = await ingest('webp-texture.glb');
    const json = glbJson(result.glb!);
    assert.equal(json.images[0].mimeType, 'image/jpeg');
    assert.equal((json.extensionsUsed ?? []).includes('EXT_texture_webp'), false);
    assert.match(result.facts!.normalisation.join('\n'), /converted from image\/webp to image\/jpeg/);
  });

  test('a plain GLB is kept byte for byte; facts list variants, clips and extensions', async () => {
    const result = await ingest('variants.glb');
    assert.equal(result.glbPath, null);
    assert.deepEqual(result.facts?.variants, ['Red', 'Blue']);
    assert.deepEqual(result.facts?.animations, [{ name: 'spin', duration: 1, channels: 1 }]);
    assert.deepEqual(result.facts?.extensionsUsed.sort(), ['KHR_materials_variants', 'KHR_texture_transform']);
    assert.deepEqual(result.facts?.materials.map((material) => material.name), ['TexturedCubeMaterial', 'RedVariant', 'BlueVariant']);
    assert.equal(result.facts?.units, 'm');
    assert.equal(result.facts?.unitsAssumed, false);
  });
});
