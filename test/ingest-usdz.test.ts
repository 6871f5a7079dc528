/**
 * USDZ export: the package is a zip of stored entries, the USD layer first, every entry's
 * data 64-byte aligned (checked by walking the local headers ourselves), textures
 * included; the layer holds the expected meshes and materials; what USDZ cannot carry
 * is listed as warnings.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import yauzl from 'yauzl';
import { createGltfIO } from '../src/ingest/gltf-io.js';
import { exportUsdz } from '../src/ingest/usdz-export.js';
import { writeUsdzZip } from '../src/ingest/usdz-zip.js';
import { assertUsdzLayout } from './helpers/usdz-package.js';

async function exportFixture(file: string) {
  const bytes = new Uint8Array(await readFile(`fixtures/generated/${file}`));
  const io = await createGltfIO([]);
  return exportUsdz(await io.readBinary(bytes));
}

function readWithYauzl(zip: Uint8Array): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(zip), { lazyEntries: true }, (error, file) => {
      if (error || !file) return reject(error);
      const names: string[] = [];
      file.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        file.readEntry();
      });
      file.on('end', () => resolve(names));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

describe('USDZ package layout', () => {
  test('every entry is aligned whatever the name lengths, and a standard zip reader agrees', async () => {
    const entries = Array.from({ length: 70 }, (_, index) => ({ name: `${'n'.repeat(index + 1)}.usda`, data: Buffer.alloc(index * 7 + 1, index) }));
    const zip = writeUsdzZip(entries);
    const walked = assertUsdzLayout(zip, []);
    assert.deepEqual(walked.map((entry) => entry.name), entries.map((entry) => entry.name));
    walked.forEach((entry, index) => assert.deepEqual(entry.data, entries[index].data));
    assert.deepEqual(await readWithYauzl(zip), entries.map((entry) => entry.name));
  });

  test('the textured cube: layer first, its PNG beside it, mesh and material in the layer', async () => {
    const { usdz, usda, warnings } = await exportFixture('textured-cube.glb');
    const entries = assertUsdzLayout(usdz, [/^model\.usda$/, /^textures\/texture_0\.png$/]);
    assert.equal(entries[1].data.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(entries[0].data.toString('utf8'), usda);
    assert.match(usda, /^#usda 1\.0\n/);
    assert.match(usda, /upAxis = "Y"/);
    assert.match(usda, /metersPerUnit = 1/);
    assert.match(usda, /defaultPrim = "Root"/);
    assert.match(usda, /def Mesh "TexturedCube"/);
    assert.match(usda, /int\[\] faceVertexCounts = \[3(, 3){11}\]/, '12 triangles');
    assert.match(usda, /def Material "TexturedCubeMaterial"/);
    assert.match(usda, /rel material:binding = <\/Root\/Materials\/TexturedCubeMaterial>/);
    assert.match(usda, /uniform token info:id = "UsdPreviewSurface"/);
    assert.match(usda, /asset inputs:file = @textures\/texture_0\.png@/);
    assert.match(usda, /color3f inputs:diffuseColor\.connect = <\/Root\/Materials\/TexturedCubeMaterial\/BaseColorTexture\.outputs:rgb>/);
    assert.match(usda, /float inputs:roughness = 0\.6/);
    assert.deepEqual(warnings, []);
  });

  test('what USDZ cannot carry is listed: texture transforms, variants, animation, skins, morph targets', async () => {
    const variants = await exportFixture('variants.glb');
    assert.ok(variants.warnings.some((warning) => /Texture transforms \(KHR_texture_transform\) are not carried/.test(warning)), variants.warnings.join('\n'));
    assert.ok(variants.warnings.some((warning) => /Material variants/.test(warning)));
    assert.ok(variants.warnings.some((warning) => /Animations are not carried \(spin\)/.test(warning)));
    const skinned = await exportFixture('skinned-morph.glb');
    assert.ok(skinned.warnings.some((warning) => /Skins are not carried/.test(warning)));
    assert.ok(skinned.warnings.some((warning) => /Morph targets are not carried \(mesh "MorphBox"\)/.test(warning)));
    assert.match(skinned.usda, /def Mesh "MorphBox"/);
    assert.match(skinned.usda, /def Mesh "SkinnedColumn"/);
  });

  test('a node with a negative scale keeps its faces outward (winding reversed)', async () => {
    const io = await createGltfIO([]);
    const document = await io.readBinary(new Uint8Array(await readFile('fixtures/generated/wide.glb')));
    const plain = await exportUsdz(document);
    document.getRoot().listNodes()[0].setScale([-1, 1, 1]);
    const mirrored = await exportUsdz(document);
    const indices = (usda: string) => /faceVertexIndices = \[([^\]]*)\]/.exec(usda)![1].split(', ').map(Number);
    assert.deepEqual(indices(mirrored.usda).slice(0, 3), [indices(plain.usda)[0], indices(plain.usda)[2], indices(plain.usda)[1]]);
  });
});
