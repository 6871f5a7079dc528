/**
 * Training datasets rendered for real (worker, GL, sharp, yazl) and read back the way a
 * trainer reads them (yauzl, PNG decode, the pinhole model of transforms.json):
 * - a full 100x800 hemisphere dataset of Suzanne through the CLI: contents, formats,
 *   camera files, multi-view geometric consistency, point cloud against the masks;
 * - 8 views of the textured cube on the sphere through the engine: progress, coverage,
 *   and depth/mask/pose exactness against a ray-cast of the cube's exact geometry.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { renderToDirectory, type RenderProgress } from '../src/render/render-engine.js';
import type { DatasetRenderResult } from '../src/render/worker-protocol.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';
import {
  decodeDepthPng,
  decodePng,
  maxNear,
  parsePly,
  pngHeader,
  project,
  readZip,
  reproject,
  type FrameCamera,
} from './helpers/dataset.js';

const VIEWS = 100;
const SIZE = 800;
const stem = (index: number) => String(index).padStart(4, '0');

interface NerfstudioFrame {
  file_path: string;
  transform_matrix: number[][];
  depth_file_path: string;
  mask_path?: string;
}
interface NerfstudioTransforms {
  camera_model: string;
  fl_x: number;
  fl_y: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
  ply_file_path: string;
  train_filenames: string[];
  val_filenames: string[];
  test_filenames: string[];
  frames: NerfstudioFrame[];
  renderbay: { scale: number; offset: number[]; modelToWorld: number[][]; coverage: string; views: number; [key: string]: unknown };
}
interface BlenderTransforms {
  camera_angle_x: number;
  frames: { file_path: string; transform_matrix: number[][] }[];
}

function frameCamera(transforms: NerfstudioTransforms, index: number): FrameCamera {
  const { fl_x: fx, fl_y: fy, cx, cy, w: width, h: height } = transforms;
  return { fx, fy, cx, cy, width, height, cameraToWorld: transforms.frames[index].transform_matrix };
}

/** The value all of a pixel's 3×3 neighbourhood shares in a square 0/1 map, or −1 where it is mixed. */
function uniformAround(map: Uint8Array, column: number, row: number): number {
  const value = map[row * SIZE + column];
  for (let y = Math.max(0, row - 1); y <= Math.min(SIZE - 1, row + 1); y++) {
    for (let x = Math.max(0, column - 1); x <= Math.min(SIZE - 1, column + 1); x++) if (map[y * SIZE + x] !== value) return -1;
  }
  return value;
}

function json<T>(entries: Map<string, Buffer>, name: string): T {
  const bytes = entries.get(name);
  assert.ok(bytes, `${name} is in the zip`);
  return JSON.parse(bytes.toString('utf8')) as T;
}

describe('100x800 hemisphere dataset of Suzanne, through the CLI', () => {
  let outputDirectory: string;
  let summary: Record<string, any>;
  let entries: Map<string, Buffer>;
  let transforms: NerfstudioTransforms;

  before(async () => {
    outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-dataset-'));
    const args = ['dist/src/cli.js', 'render', 'fixtures/sample/Suzanne.glb', '--dataset', '100x800', '--out', outputDirectory, '--json'];
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
    assert.equal(stderr, '');
    summary = JSON.parse(stdout);
    entries = await readZip(summary.zip);
    transforms = json<NerfstudioTransforms>(entries, 'transforms.json');
  });
  after(async () => {
    await rm(outputDirectory, { recursive: true, force: true });
  });

  test('the JSON summary names views, size, coverage, the zip and its size; only finished files are published', async () => {
    assert.equal(summary.ok, true);
    assert.equal(summary.output, 'dataset');
    assert.deepEqual([summary.views, summary.width, summary.height, summary.coverage, summary.datasetQuality], [VIEWS, SIZE, SIZE, 'hemisphere', '100x800']);
    assert.deepEqual([summary.trainViews, summary.testViews], [87, 13]);
    assert.equal(summary.zip, path.join(outputDirectory, 'dataset.zip'));
    assert.equal(summary.zipBytes, (await stat(summary.zip)).size);
    assert.ok(summary.viewsPerSecond > 0 && summary.wallSeconds > 0);
    assert.deepEqual((await readdir(outputDirectory)).sort(), ['dataset.zip', 'poster-thumb.png', 'poster.png']);
    const poster = await decodePng(await readFile(summary.files.poster));
    assert.deepEqual([poster.width, poster.height], [SIZE, SIZE]);
  });

  test('the zip holds the README, camera files, point cloud and 100 images, masks and depth maps — nothing else', () => {
    const expected = ['README.txt', 'transforms.json', 'transforms_train.json', 'transforms_val.json', 'transforms_test.json', 'points3d.ply'];
    expected.push('sparse/0/cameras.txt', 'sparse/0/images.txt', 'sparse/0/points3D.txt', 'sparse/0/depth_params.json');
    for (let index = 0; index < VIEWS; index++) {
      expected.push(`images/${stem(index)}.png`, `masks/${stem(index)}.png`, `depth/${stem(index)}.png`, `inverse_depth/${stem(index)}.png`);
    }
    assert.deepEqual([...entries.keys()].sort(), expected.sort());
  });

  test('every image is 800×800 8-bit RGBA, every mask 8-bit grey, every depth map 16-bit grey', () => {
    for (let index = 0; index < VIEWS; index++) {
      // Colour types: 6 = RGBA, 0 = grey.
      assert.deepEqual(pngHeader(entries.get(`images/${stem(index)}.png`)!), { width: SIZE, height: SIZE, bitDepth: 8, colourType: 6 });
      assert.deepEqual(pngHeader(entries.get(`masks/${stem(index)}.png`)!), { width: SIZE, height: SIZE, bitDepth: 8, colourType: 0 });
      assert.deepEqual(pngHeader(entries.get(`depth/${stem(index)}.png`)!), { width: SIZE, height: SIZE, bitDepth: 16, colourType: 0 });
    }
  });

  test('images are transparent (alpha = mask, colour 0) where the mask is empty; depth is 0 exactly where nothing was hit', async () => {
    for (const index of [0, 41, 99]) {
      const image = await decodePng(entries.get(`images/${stem(index)}.png`)!);
      const mask = await decodePng(entries.get(`masks/${stem(index)}.png`)!);
      const depth = await decodeDepthPng(entries.get(`depth/${stem(index)}.png`)!);
      let object = 0;
      let solid = 0;
      let depthOutsideMask = 0;
      for (let pixel = 0; pixel < SIZE * SIZE; pixel++) {
        const alpha = mask.data[pixel];
        if (alpha === 0) {
          const [red, green, blue, opacity] = image.data.subarray(pixel * 4, pixel * 4 + 4);
          if (red || green || blue || opacity) assert.fail(`view ${index} pixel ${pixel} is ${[red, green, blue, opacity]}, not transparent`);
          if (depth.data[pixel]) depthOutsideMask++;
        } else object++;
        assert.equal(image.data[pixel * 4 + 3], alpha, 'the mask is the alpha channel');
        if (alpha === 255) {
          solid++;
          assert.ok(depth.data[pixel] >= 2900 && depth.data[pixel] <= 5100, `view ${index}: depth ${depth.data[pixel]} mm outside the model's range`);
        }
      }
      assert.ok(object > SIZE * SIZE * 0.1, `view ${index}: the model covers ${object} pixels`);
      assert.ok(solid > object * 0.9);
      assert.equal(depthOutsideMask, 0, `view ${index}: depth where the mask is empty`);
    }
  });

  test("transforms.json has nerfstudio's fields with the types its parser expects", () => {
    assert.equal(transforms.camera_model, 'PINHOLE');
    for (const field of ['fl_x', 'fl_y', 'cx', 'cy', 'w', 'h'] as const) assert.equal(typeof transforms[field], 'number', field);
    assert.deepEqual([transforms.w, transforms.h, transforms.cx, transforms.cy], [SIZE, SIZE, SIZE / 2, SIZE / 2]);
    assert.equal(transforms.fl_x, transforms.fl_y);
    assert.ok(Math.abs(transforms.fl_y - SIZE / 2 / Math.tan((16 * Math.PI) / 180)) < 1e-9, 'fl = (h/2)/tan(fov/2) with fov 32°');
    assert.equal(transforms.ply_file_path, 'points3d.ply');
    assert.equal(transforms.frames.length, VIEWS);
    transforms.frames.forEach((frame, index) => {
      assert.equal(frame.file_path, `images/${stem(index)}.png`);
      assert.equal(frame.depth_file_path, `depth/${stem(index)}.png`);
      assert.equal(frame.mask_path, undefined, 'no mask_path: nerfstudio would stop training the background');
      for (const file of [frame.file_path, frame.depth_file_path]) assert.ok(entries.has(file));
      const m = frame.transform_matrix;
      assert.equal(m.length, 4);
      for (const row of m) assert.ok(row.length === 4 && row.every(Number.isFinite));
      assert.deepEqual(m[3], [0, 0, 0, 1]);
      // A rigid pose: orthonormal rotation with determinant +1.
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          const dot = m[0][a] * m[0][b] + m[1][a] * m[1][b] + m[2][a] * m[2][b];
          assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-9);
        }
      }
      const determinant =
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
      assert.ok(Math.abs(determinant - 1) < 1e-9);
    });
    const testFiles = transforms.frames.filter((_, index) => index % 8 === 0).map((frame) => frame.file_path);
    assert.deepEqual(transforms.test_filenames, testFiles);
    assert.deepEqual(transforms.val_filenames, testFiles);
    assert.equal(transforms.train_filenames.length + testFiles.length, VIEWS);
    assert.ok(transforms.train_filenames.every((file) => !testFiles.includes(file)));
    assert.equal(typeof transforms.renderbay.scale, 'number');
    assert.equal(transforms.renderbay.offset.length, 3);
  });

  test('Blender-synthetic split files: camera_angle_x, extension-less paths, every 8th view held out', () => {
    const train = json<BlenderTransforms>(entries, 'transforms_train.json');
    const test = json<BlenderTransforms>(entries, 'transforms_test.json');
    const val = json<BlenderTransforms>(entries, 'transforms_val.json');
    assert.ok(Math.abs(train.camera_angle_x - 2 * Math.atan(SIZE / 2 / transforms.fl_x)) < 1e-12);
    assert.deepEqual(val, test);
    assert.equal(train.frames.length, 87);
    assert.equal(test.frames.length, 13);
    for (const [split, frames] of [['train', train.frames], ['test', test.frames]] as const) {
      for (const frame of frames) {
        const index = Number(/^\.\/images\/(\d{4})$/.exec(frame.file_path)?.[1]);
        assert.ok(entries.has(`${frame.file_path.slice(2)}.png`));
        assert.equal(index % 8 === 0, split === 'test');
        assert.deepEqual(frame.transform_matrix, transforms.frames[index].transform_matrix);
      }
    }
  });

  test('hemisphere: every camera is above the horizon, 4 units from the origin, looking at it', () => {
    for (const frame of transforms.frames) {
      const m = frame.transform_matrix;
      const position = [m[0][3], m[1][3], m[2][3]];
      assert.ok(position[2] > 0, `camera at height ${position[2]} is below the horizon`);
      assert.ok(Math.abs(Math.hypot(...position) - 4) < 1e-9);
      const forward = [-m[0][2], -m[1][2], -m[2][2]];
      const cosine = -(forward[0] * position[0] + forward[1] * position[1] + forward[2] * position[2]) / 4;
      assert.ok(cosine > 1 - 1e-12);
    }
  });

  test('geometric consistency: each view’s depth, reprojected into two other views, matches their depth maps and masks', async (context) => {
    const load = async (index: number) => ({
      camera: frameCamera(transforms, index),
      depth: await decodeDepthPng(entries.get(`depth/${stem(index)}.png`)!),
      mask: await decodePng(entries.get(`masks/${stem(index)}.png`)!),
    });
    // Neighbouring views on the spiral share most of what they see; 0 looks down from the top.
    for (const [source, targets] of [[10, [15, 23]], [60, [52, 73]], [0, [5, 8]]] as const) {
      const from = await load(source);
      for (const target of targets) {
        const result = reproject(from, await load(target));
        const coVisible = result.agree + result.disagree;
        const agreement = result.agree / coVisible;
        context.diagnostic(
          `view ${source} → ${target}: ${result.inside} inside, ${result.occluded} occluded, ${coVisible} co-visible, ` +
            `${(agreement * 100).toFixed(3)}% agree within 1 px / 1%, median |Δz| ${result.medianErrorMm} mm, ${result.outsideMask} outside the mask`,
        );
        assert.ok(coVisible > 50_000, `views ${source} and ${target} share ${coVisible} pixels`);
        assert.ok(agreement > 0.99, `only ${(agreement * 100).toFixed(2)}% of co-visible pixels of view ${source} agree with view ${target}`);
        assert.ok(result.medianErrorMm <= 3, `median depth error ${result.medianErrorMm} mm`);
        assert.ok(result.outsideMask / coVisible < 0.001, `${result.outsideMask} co-visible points fall outside view ${target}'s mask`);
      }
    }
  });

  test('points3d.ply: binary PLY with normals and colours, every point inside the masks of the views', async (context) => {
    const ply = parsePly(entries.get('points3d.ply')!);
    assert.match(ply.header, /^ply\nformat binary_little_endian 1\.0\n/);
    assert.match(ply.header, /property float x\nproperty float y\nproperty float z\nproperty float nx\nproperty float ny\nproperty float nz\nproperty uchar red\nproperty uchar green\nproperty uchar blue\n/);
    assert.equal(ply.count, 100_000);
    for (const position of ply.positions) assert.ok(Math.hypot(...position) <= 1 + 1e-5, 'points lie inside the unit sphere');
    for (const normal of ply.normals.slice(0, 1000)) assert.ok(Math.abs(Math.hypot(...normal) - 1) < 1e-3);
    const distinctColours = new Set(ply.colours.map((colour) => colour.join(','))).size;
    assert.ok(distinctColours > 10, `the colours vary with the texture (${distinctColours} distinct)`);
    for (const index of [3, 47, 90]) {
      const camera = frameCamera(transforms, index);
      const mask = await decodePng(entries.get(`masks/${stem(index)}.png`)!);
      let outside = 0;
      for (const position of ply.positions) {
        const { u, v } = project(camera, position);
        assert.ok(u >= 0 && v >= 0 && u < SIZE && v < SIZE, 'the whole model is in frame');
        if (maxNear(mask, Math.floor(u), Math.floor(v)) === 0) outside++;
      }
      context.diagnostic(`view ${index}: ${outside} of ${ply.count} points outside the mask (±1 px)`);
      assert.ok(outside / ply.count < 0.0005, `${outside} points project outside view ${index}'s mask`);
    }
  });

  test('README.txt documents the files, axes, units, pixel centres and the model placement', () => {
    const readme = entries.get('README.txt')!.toString('utf8');
    for (const phrase of [
      'images/NNNN.png',
      'masks/NNNN.png',
      'depth/NNNN.png',
      'millimetres',
      'transforms.json',
      'transforms_train.json',
      'points3d.ply',
      '(i + 0.5, j + 0.5)',
      'camera-to-world',
      'Z up',
      `scale  = ${Number(transforms.renderbay.scale.toPrecision(12))}`,
      'ns-train splatfacto --data . --pipeline.model.background-color white',
      'Coverage:  hemisphere',
    ]) {
      assert.ok(readme.includes(phrase), `README mentions ${phrase}`);
    }
  });
});

describe('sphere dataset of the textured cube (8 views), through the engine', () => {
  const VIEW_COUNT = 8;
  let outputDirectory: string;
  let result: DatasetRenderResult;
  let entries: Map<string, Buffer>;
  let transforms: NerfstudioTransforms;
  const progress: RenderProgress[] = [];
  /** Views done when the poster was announced. */
  const posterAt: number[] = [];

  before(async () => {
    outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-dataset-cube-'));
    const rendered = await renderToDirectory({
      modelPath: 'fixtures/generated/textured-cube.glb',
      settings: parseRenderSettings({ output: 'dataset', coverage: 'sphere' }),
      outputDirectory,
      datasetViews: VIEW_COUNT,
      onProgress: (update) => progress.push(update),
      onPoster: () => posterAt.push(progress.filter((update) => update.stage === 'rendering').at(-1)?.framesDone ?? -1),
    });
    if (rendered.output !== 'dataset') throw new Error(`expected a dataset result, got ${rendered.output}`);
    result = rendered;
    entries = await readZip(result.files.dataset);
    transforms = json<NerfstudioTransforms>(entries, 'transforms.json');
  });
  after(async () => {
    await rm(outputDirectory, { recursive: true, force: true });
  });

  test('progress counts views, in order, up to all of them', async () => {
    const rendering = progress.filter((update) => update.stage === 'rendering');
    assert.deepEqual(rendering.map((update) => update.framesDone), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(rendering.every((update) => update.framesTotal === VIEW_COUNT));
    assert.equal(progress[0].stage, 'loading');
    assert.equal(progress.at(-1)?.stage, 'encoding');
    assert.deepEqual([result.frameCount, result.dataset.views, result.dataset.testViews, result.dataset.coverage], [8, 8, 1, 'sphere']);
    assert.equal(result.dataset.zipBytes, (await stat(result.files.dataset)).size);
  });

  test('the poster (the view nearest the turntable opening shot) is announced before the render ends, and published', async () => {
    assert.equal(posterAt.length, 1);
    assert.ok(posterAt[0] < VIEW_COUNT, `poster announced only after all ${posterAt[0]} views`);
    const poster = await decodePng(await readFile(result.files.poster));
    assert.deepEqual([poster.width, poster.height, poster.channels], [SIZE, SIZE, 3]);
    assert.deepEqual([...poster.data.subarray(0, 3)], [255, 255, 255], 'composited on white');
  });

  test('sphere coverage puts cameras below the horizon as well as above it', () => {
    const heights = transforms.frames.map((frame) => frame.transform_matrix[2][3]);
    assert.equal(heights.filter((height) => height < 0).length, 4);
    assert.equal(heights.filter((height) => height > 0).length, 4);
  });

  test('depth, mask and pose match a ray-cast of the exact cube through every pixel centre', async (context) => {
    // The fixture is a 1 m cube centred on the origin; modelToWorld places it in the dataset frame.
    const m = transforms.renderbay.modelToWorld;
    const corners = [-0.5, 0.5].flatMap((x) => [-0.5, 0.5].flatMap((y) => [-0.5, 0.5].map((z) => [x, y, z])));
    const world = corners.map((p) => [0, 1, 2].map((axis) => m[axis][0] * p[0] + m[axis][1] * p[1] + m[axis][2] * p[2] + m[axis][3]));
    const low = [0, 1, 2].map((axis) => Math.min(...world.map((corner) => corner[axis])));
    const high = [0, 1, 2].map((axis) => Math.max(...world.map((corner) => corner[axis])));
    assert.ok(Math.abs(high[0] - 1 / Math.sqrt(3)) < 1e-6, 'the cube is scaled so its corners touch the unit sphere');

    for (let index = 0; index < VIEW_COUNT; index++) {
      const camera = frameCamera(transforms, index);
      const depth = await decodeDepthPng(entries.get(`depth/${stem(index)}.png`)!);
      const mask = await decodePng(entries.get(`masks/${stem(index)}.png`)!);
      const [r0, r1, r2] = camera.cameraToWorld;
      const origin = [r0[3], r1[3], r2[3]];
      const direction = [0, 0, 0];
      // z-depth of the cube along the ray through continuous pixel position (u, v), or 0.
      const cast = (u: number, v: number): number => {
        const x = (u - camera.cx) / camera.fx;
        const y = -(v - camera.cy) / camera.fy;
        direction[0] = r0[0] * x + r0[1] * y - r0[2];
        direction[1] = r1[0] * x + r1[1] * y - r1[2];
        direction[2] = r2[0] * x + r2[1] * y - r2[2];
        let near = -Infinity;
        let far = Infinity;
        for (let axis = 0; axis < 3; axis++) {
          const t1 = (low[axis] - origin[axis]) / direction[axis];
          const t2 = (high[axis] - origin[axis]) / direction[axis];
          near = Math.max(near, Math.min(t1, t2));
          far = Math.min(far, Math.max(t1, t2));
        }
        return near <= far && near > 0 ? near : 0; // the camera-space direction has z = −1, so t is the z-depth
      };
      const hitMap = new Uint8Array(SIZE * SIZE);
      let hits = 0;
      let mismatched = 0;
      let ambiguous = 0;
      let worstError = 0;
      for (let row = 0; row < SIZE; row++) {
        for (let column = 0; column < SIZE; column++) {
          const expected = cast(column + 0.5, row + 0.5);
          const found = depth.data[row * SIZE + column];
          if (expected) {
            hits++;
            hitMap[row * SIZE + column] = 1;
          }
          if (Boolean(expected) !== Boolean(found)) {
            mismatched++;
            // Only pixel centres within a hair of the silhouette may land either way.
            const nudged = [[0.02, 0], [-0.02, 0], [0, 0.02], [0, -0.02]].map(([du, dv]) => Boolean(cast(column + 0.5 + du, row + 0.5 + dv)));
            if (nudged.some((hit) => hit !== Boolean(expected))) ambiguous++;
          } else if (expected) {
            worstError = Math.max(worstError, Math.abs(found - expected * 1000));
          }
        }
      }
      // The mask's area and centroid against the exact coverage (4×4 samples where the
      // silhouette crosses a pixel's neighbourhood; interior pixels are fully covered).
      let maskSum = 0;
      let coverageSum = 0;
      const maskCentroid = [0, 0];
      const coverageCentroid = [0, 0];
      for (let row = 0; row < SIZE; row++) {
        for (let column = 0; column < SIZE; column++) {
          const alpha = mask.data[row * SIZE + column] / 255;
          maskSum += alpha;
          maskCentroid[0] += alpha * (column + 0.5);
          maskCentroid[1] += alpha * (row + 0.5);
          let coverage = uniformAround(hitMap, column, row);
          if (coverage < 0) {
            let covered = 0;
            for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (cast(column + (sx + 0.5) / 4, row + (sy + 0.5) / 4)) covered++;
            coverage = covered / 16;
          }
          coverageSum += coverage;
          coverageCentroid[0] += coverage * (column + 0.5);
          coverageCentroid[1] += coverage * (row + 0.5);
        }
      }
      const centroidShift = Math.hypot(maskCentroid[0] / maskSum - coverageCentroid[0] / coverageSum, maskCentroid[1] / maskSum - coverageCentroid[1] / coverageSum);
      context.diagnostic(
        `view ${index}: ${hits} pixels hit, ${mismatched} differ from the ray-cast (${ambiguous} within 0.02 px of an edge), ` +
          `worst depth error ${worstError.toFixed(3)} mm, mask area ${maskSum.toFixed(1)} vs ${coverageSum.toFixed(1)} px, centroid shift ${centroidShift.toFixed(4)} px`,
      );
      assert.ok(hits > 50_000);
      assert.equal(mismatched, ambiguous, `view ${index}: ${mismatched - ambiguous} pixels disagree with the exact silhouette`);
      assert.ok(worstError <= 0.51, `view ${index}: depth off by up to ${worstError} mm (rounding allows 0.5)`);
      assert.ok(Math.abs(maskSum - coverageSum) < coverageSum * 0.002, `view ${index}: mask area ${maskSum} vs exact ${coverageSum}`);
      assert.ok(centroidShift < 0.05, `view ${index}: mask centroid ${centroidShift.toFixed(3)} px off the exact silhouette's`);
    }
  });
});
