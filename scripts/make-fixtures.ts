/**
 * Regenerates fixtures/generated/ (gitignored) from code: `node dist/scripts/make-fixtures.js`.
 * Output is byte-identical on every run, so tests can rely on exact sizes and contents.
 * The directory is deleted first so a renamed or removed fixture never lingers.
 * It then makes the shipped examples' previews and USDZ files (src/examples/), when not up to date.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, type NodeIO } from '@gltf-transform/core';
import {
  accessorPastBufferEnd,
  brokenJsonGlb,
  hugeTexture,
  randomBytes,
  sceneWithoutMeshes,
  textureNotAnImage,
  truncated,
} from './fixtures/bad-inputs.js';
import { fixtureIO } from './fixtures/codecs.js';
import {
  gltfFolderWithUri,
  indexPastVertices,
  scanFaceOutOfRange,
  scanHugeTexture,
  scanMtlEscape,
  scanTwoObjs,
  zipAbsolutePath,
  zipBackslash,
  zipBomb,
  zipDisguisedNested,
  zipDriveLetter,
  zipLyingSize,
  zipManyEntries,
  zipNested,
  zipSlip,
  zipSymlink,
} from './fixtures/hostile-archives.js';
import { ensureExampleAssets } from '../src/examples/example-assets.js';
import { colourwaysBox, ktx2TexturedCube, variantsCube, webpTexturedCube } from './fixtures/modern-gltf.js';
import { repositoryRoot } from './fixtures/repository-root.js';
import { gltfWithBufferUri, selfContainedGltf } from './fixtures/gltf-json.js';
import { gltfFolderZip, scanMissingTextureZip, scanWithoutMtlZip, texturedScanZip, untexturedScanZip } from './fixtures/scan-archives.js';
import { quadrantPng, solidPng } from './fixtures/textures.js';
import {
  compassCube,
  markerPlate,
  dracoSphere,
  meshoptSphere,
  offcentreBox,
  rigidClips,
  skinnedMorph,
  solidBox,
  texturedCube,
  texturedNpotCube,
  vertexColourCube,
} from './fixtures/valid-models.js';

type FixtureBuilder = (io: NodeIO) => Promise<Uint8Array | string>;

const glb = (build: () => Document | Promise<Document>): FixtureBuilder => async (io) => io.writeBinary(await build());
const greyBox = () => solidBox('GreyBox', [1, 1, 1], [0.6, 0.6, 0.6]);

export const FIXTURES: ReadonlyArray<{ file: string; build: FixtureBuilder }> = [
  { file: 'textured-cube.glb', build: glb(texturedCube) },
  { file: 'textured-npot.glb', build: glb(texturedNpotCube) },
  { file: 'offcentre.glb', build: glb(offcentreBox) },
  { file: 'vertex-colours.glb', build: glb(vertexColourCube) },
  { file: 'skinned-morph.glb', build: glb(skinnedMorph) },
  { file: 'rigid-clips.glb', build: glb(rigidClips) },
  { file: 'draco.glb', build: glb(dracoSphere) },
  { file: 'meshopt.glb', build: glb(meshoptSphere) },
  { file: 'selfcontained.gltf', build: async (io) => selfContainedGltf(io, await texturedCube()) },
  { file: 'tall.glb', build: glb(() => solidBox('TallColumn', [0.2, 2, 0.2], [0.2, 0.4, 0.85])) },
  { file: 'wide.glb', build: glb(() => solidBox('WidePlank', [3, 0.2, 0.5], [0.75, 0.5, 0.25])) },
  { file: 'compass-cube.glb', build: glb(compassCube) },
  { file: 'marker-plate.glb', build: glb(markerPlate) },

  { file: 'bad-random.glb', build: async () => randomBytes() },
  { file: 'bad-truncated.glb', build: async (io) => truncated(await io.writeBinary(await texturedCube())) },
  { file: 'bad-json.glb', build: async () => brokenJsonGlb() },
  { file: 'bad-accessor.glb', build: async (io) => accessorPastBufferEnd(await io.writeBinary(greyBox())) },
  { file: 'bad-missing-uri.gltf', build: (io) => gltfWithBufferUri(io, greyBox(), 'missing.bin') },
  { file: 'bad-absolute-uri.gltf', build: (io) => gltfWithBufferUri(io, greyBox(), '/etc/passwd') },
  { file: 'bad-outside-uri.gltf', build: (io) => gltfWithBufferUri(io, greyBox(), '../../outside.bin') },
  { file: 'bad-no-meshes.glb', build: glb(sceneWithoutMeshes) },
  { file: 'bad-texture-not-image.glb', build: glb(textureNotAnImage) },
  { file: 'bad-huge-texture.glb', build: glb(hugeTexture) },

  // Model ingest: archives, modern glTF, and hostile inputs (see fixtures/README.md).
  { file: 'scan-textured.zip', build: () => texturedScanZip() },
  { file: 'scan-untextured.zip', build: async () => untexturedScanZip() },
  { file: 'scan-no-mtl.zip', build: async () => scanWithoutMtlZip() },
  { file: 'scan-missing-texture.zip', build: async () => scanMissingTextureZip() },
  { file: 'gltf-folder.zip', build: (io) => gltfFolderZip(io) },
  { file: 'webp-texture.glb', build: glb(webpTexturedCube) },
  { file: 'variants.glb', build: glb(variantsCube) },
  { file: 'colourways.glb', build: glb(colourwaysBox) },
  { file: 'bad-ktx2.glb', build: glb(ktx2TexturedCube) },
  { file: 'bad-index-oob.glb', build: glb(indexPastVertices) },
  { file: 'bad-zip-slip.zip', build: async () => zipSlip() },
  { file: 'bad-zip-absolute.zip', build: async () => zipAbsolutePath() },
  { file: 'bad-zip-drive-letter.zip', build: async () => zipDriveLetter() },
  { file: 'bad-zip-backslash.zip', build: async () => zipBackslash() },
  { file: 'bad-zip-symlink.zip', build: async () => zipSymlink() },
  { file: 'bad-zip-bomb.zip', build: async () => zipBomb() },
  { file: 'bad-zip-lying-size.zip', build: async () => zipLyingSize() },
  { file: 'bad-zip-many-entries.zip', build: async () => zipManyEntries() },
  { file: 'bad-zip-nested.zip', build: async () => zipNested() },
  { file: 'bad-zip-disguised-nested.zip', build: async () => zipDisguisedNested() },
  { file: 'bad-scan-face-index.zip', build: async () => scanFaceOutOfRange() },
  { file: 'bad-scan-mtl-escape.zip', build: async () => scanMtlEscape() },
  { file: 'bad-scan-huge-texture.zip', build: async () => scanHugeTexture() },
  { file: 'bad-scan-two-objs.zip', build: () => scanTwoObjs() },
  { file: 'bad-gltf-uri-file.zip', build: (io) => gltfFolderWithUri(io, 'file:///etc/passwd') },
  { file: 'bad-gltf-uri-http.zip', build: (io) => gltfFolderWithUri(io, 'http://127.0.0.1:9/model.bin') },
  { file: 'bad-gltf-uri-parent.zip', build: (io) => gltfFolderWithUri(io, '../model.bin') },

  // Compositing: background images (four solid quadrants, QUADRANT_COLOURS) taller and
  // wider than any frame, so each bgAlign anchor shows different quadrants; stand-in logos.
  { file: 'overlay-quadrants-tall.png', build: () => quadrantPng(1200, 2400) },
  { file: 'overlay-quadrants-wide.png', build: () => quadrantPng(2400, 1200) },
  { file: 'overlay-logo-opaque.png', build: () => solidPng(400, 400, [255, 0, 255, 255]) },
  { file: 'overlay-logo-translucent.png', build: () => solidPng(400, 400, [0, 255, 255, 128]) },
];

export const GENERATED_DIR = join(repositoryRoot(import.meta.url), 'fixtures', 'generated');

async function main(): Promise<void> {
  const started = performance.now();
  const io = await fixtureIO();
  await rm(GENERATED_DIR, { recursive: true, force: true });
  await mkdir(GENERATED_DIR, { recursive: true });

  for (const { file, build } of FIXTURES) {
    const fixtureStarted = performance.now();
    const contents = await build(io);
    await writeFile(join(GENERATED_DIR, file), contents);
    const size = typeof contents === 'string' ? Buffer.byteLength(contents) : contents.byteLength;
    const ms = (performance.now() - fixtureStarted).toFixed(0);
    console.log(`  ${file.padEnd(28)} ${String(size).padStart(8)} B ${ms.padStart(5)} ms`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`make-fixtures: wrote ${FIXTURES.length} files to ${GENERATED_DIR} in ${seconds} s`);
  // The shipped examples' previews and USDZ files (fixtures/examples/generated/, kept when up to date).
  const examplesStarted = performance.now();
  const examples = await ensureExampleAssets();
  const examplesSeconds = ((performance.now() - examplesStarted) / 1000).toFixed(2);
  console.log(`make-fixtures: examples made: ${examples.made.join(', ') || 'none'}; up to date: ${examples.upToDate.join(', ') || 'none'} (${examplesSeconds} s)`);
}

// Only run when executed directly, so tests may import FIXTURES / GENERATED_DIR.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error('make-fixtures failed:', error);
    process.exitCode = 1;
  });
}
