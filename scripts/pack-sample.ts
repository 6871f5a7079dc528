/**
 * One-off packer for the bundled sample, fixtures/sample/Suzanne.glb (committed): reads the
 * CC0 Khronos Suzanne (.gltf + .bin + two 1024² PNGs, ~2.6 MB) and writes a single GLB that
 * tests and users can open without the shared asset folder.
 *
 *   node dist/scripts/pack-sample.js [path/to/Suzanne.gltf]
 *
 * Only the textures change, to keep the GLB small: the base colour becomes a JPEG (quality 90)
 * and the metallic-roughness map a lossless RGB PNG. Both sources have an all-opaque alpha
 * channel that the OPAQUE material never reads, so dropping it loses nothing.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeIO, type Texture } from '@gltf-transform/core';
import sharp from 'sharp';
import { repositoryRoot } from './fixtures/repository-root.js';

const root = repositoryRoot(import.meta.url);
const source = process.argv[2] ?? join(root, '..', 'shared', 'assets', 'models', 'Suzanne', 'glTF', 'Suzanne.gltf');
const target = join(root, 'fixtures', 'sample', 'Suzanne.glb');

async function reencode(texture: Texture, format: 'jpeg' | 'png'): Promise<void> {
  const image = texture.getImage();
  if (!image) throw new Error(`texture ${texture.getURI()} has no image data`);
  const pipeline = sharp(image).removeAlpha();
  const encoded = format === 'jpeg'
    ? await pipeline.jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer()
    : await pipeline.png({ compressionLevel: 9 }).toBuffer();
  const extension = format === 'jpeg' ? '.jpg' : '.png';
  texture
    .setImage(new Uint8Array(encoded))
    .setMimeType(`image/${format}`)
    .setURI(texture.getURI().replace(/\.[^.]+$/, extension));
}

async function main(): Promise<void> {
  const io = new NodeIO();
  const doc = await io.read(source);
  const [material] = doc.getRoot().listMaterials();
  const baseColor = material?.getBaseColorTexture();
  const metallicRoughness = material?.getMetallicRoughnessTexture();
  if (!baseColor || !metallicRoughness) {
    throw new Error(`${source}: expected a base colour and a metallic-roughness texture`);
  }
  await reencode(baseColor, 'jpeg');
  await reencode(metallicRoughness, 'png');
  doc.getRoot().getAsset().copyright = 'CC0-1.0, Norbert Nopper (Khronos glTF-Sample-Models 2.0/Suzanne)';

  await mkdir(join(root, 'fixtures', 'sample'), { recursive: true });
  await io.write(target, doc);
  console.log(`pack-sample: wrote ${target} (${(await stat(target)).size} bytes)`);
}

main().catch((error: unknown) => {
  console.error('pack-sample failed:', error);
  process.exitCode = 1;
});
