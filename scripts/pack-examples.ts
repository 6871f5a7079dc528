/**
 * One-off packer for the shipped examples, fixtures/examples/*.glb (committed): reads three
 * CC0 Khronos sample models (.gltf + .bin + textures) from the shared asset folder and writes
 * each as one GLB that the examples set (src/examples/) serves without that folder.
 *
 *   node dist/scripts/pack-examples.js [path/to/shared/assets/models]
 *
 * Geometry, animation and materials are unchanged; only textures larger than
 * MAX_TEXTURE_SIDE are downscaled (Suzanne's 1024² maps become 512², the base colour as
 * JPEG), to keep the repository small. Licences: fixtures/examples/LICENSES.md.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Texture } from '@gltf-transform/core';
import sharp from 'sharp';
import { fixtureIO } from './fixtures/codecs.js';
import { repositoryRoot } from './fixtures/repository-root.js';

const MAX_TEXTURE_SIDE = 512;
const root = repositoryRoot(import.meta.url);
const sourceRoot = process.argv[2] ?? join(root, '..', 'shared', 'assets', 'models');

/** Source folder name → the example's file name and asset.copyright. */
const SOURCES = [
  { folder: 'Suzanne', file: 'suzanne.glb', copyright: 'CC0-1.0, Norbert Nopper (Khronos glTF-Sample-Models 2.0/Suzanne)' },
  { folder: 'AnimatedMorphCube', file: 'animated-morph-cube.glb', copyright: 'CC0-1.0, Khronos glTF-Sample-Models 2.0/AnimatedMorphCube' },
  { folder: 'TextureTransformTest', file: 'texture-transform-test.glb', copyright: 'CC0-1.0, Khronos glTF-Sample-Models 2.0/TextureTransformTest' },
] as const;

/** Downscales a texture larger than MAX_TEXTURE_SIDE; a base colour becomes JPEG (opaque materials only read RGB). */
async function shrink(texture: Texture, asJpeg: boolean): Promise<void> {
  const image = texture.getImage();
  if (!image) return;
  const { width = 0, height = 0 } = await sharp(image).metadata();
  if (Math.max(width, height) <= MAX_TEXTURE_SIDE) return;
  const resized = sharp(image).resize(MAX_TEXTURE_SIDE, MAX_TEXTURE_SIDE, { fit: 'inside' });
  const encoded = asJpeg ? await resized.removeAlpha().jpeg({ quality: 88, chromaSubsampling: '4:4:4' }).toBuffer() : await resized.png({ compressionLevel: 9 }).toBuffer();
  texture.setImage(new Uint8Array(encoded)).setMimeType(asJpeg ? 'image/jpeg' : 'image/png').setURI(texture.getURI().replace(/\.[^.]+$/, asJpeg ? '.jpg' : '.png'));
}

async function main(): Promise<void> {
  const io = await fixtureIO();
  await mkdir(join(root, 'fixtures', 'examples'), { recursive: true });
  for (const source of SOURCES) {
    const document = await io.read(join(sourceRoot, source.folder, 'glTF', `${source.folder}.gltf`));
    const opaqueBaseColours = new Set(
      document.getRoot().listMaterials().filter((material) => material.getAlphaMode() === 'OPAQUE').map((material) => material.getBaseColorTexture()),
    );
    for (const texture of document.getRoot().listTextures()) await shrink(texture, opaqueBaseColours.has(texture));
    document.getRoot().getAsset().copyright = source.copyright;
    const target = join(root, 'fixtures', 'examples', source.file);
    await io.write(target, document);
    console.log(`pack-examples: wrote ${target} (${(await stat(target)).size} bytes)`);
  }
}

main().catch((error: unknown) => {
  console.error('pack-examples failed:', error);
  process.exitCode = 1;
});
