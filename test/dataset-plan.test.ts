/**
 * Datasets without GL: the settings rules (schema and CLI), what each tier plans, the
 * view layout and the camera files every tier gets. (Renders: dataset-render.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import * as THREE from 'three';
import { cameraToWorldRows, CAMERA_DISTANCE, createDatasetCamera, intrinsics, placeDatasetCamera } from '../renderer/dataset/dataset-frame.js';
import { fibonacciDirections } from '../renderer/dataset/fibonacci-views.js';
import { blenderTransforms, nerfstudioTransforms, splitViews, type DatasetView } from '../renderer/dataset/transforms.js';
import { planRender } from '../src/render/render-plan.js';
import { DATASET_QUALITIES, parseRenderSettings } from '../src/settings/render-settings.js';
import { settingsError, testSettingsRejections } from './helpers/settings.js';
import { priceOf } from '../src/credits/prices.js';
import type { RenderbayError } from '../src/errors.js';

describe('dataset settings', () => {
  test('output dataset alone defaults to the 100x800 tier and hemisphere coverage', () => {
    const settings = parseRenderSettings({ output: 'dataset' });
    assert.equal(settings.output, 'dataset');
    assert.equal(settings.datasetQuality, '100x800');
    assert.equal(settings.coverage, 'hemisphere');
  });

  test('a video carries no dataset fields', () => {
    const settings = parseRenderSettings({});
    assert.equal(settings.output, 'video');
    assert.equal('datasetQuality' in settings, false);
    assert.equal('coverage' in settings, false);
  });

  test('tier and coverage are kept as given', () => {
    const settings = parseRenderSettings({ output: 'dataset', datasetQuality: '400x2048', coverage: 'sphere' });
    assert.equal(settings.datasetQuality, '400x2048');
    assert.equal(settings.coverage, 'sphere');
  });

  const rejected: [string, unknown, RegExp][] = [
    ['datasetQuality without output dataset', { datasetQuality: '100x800' }, /datasetQuality requires output "dataset" \(output is "video"\)/],
    ['datasetQuality with output video', { output: 'video', datasetQuality: '196x1024' }, /datasetQuality requires output "dataset"/],
    ['coverage without output dataset', { coverage: 'sphere' }, /coverage requires output "dataset"/],
    ['an unknown tier', { output: 'dataset', datasetQuality: '50x512' }, /datasetQuality must be one of: 100x800, 196x1024, 400x2048/],
    ['a tier of the wrong type', { output: 'dataset', datasetQuality: 100 }, /datasetQuality must be one of/],
    ['an unknown coverage', { output: 'dataset', coverage: 'dome' }, /coverage must be one of: hemisphere, sphere/],
    ['an unknown output', { output: 'gif' }, /output must be one of: video, dataset/],
  ];
  testSettingsRejections(rejected);

  test('both dataset fields on a video are reported at once', () => {
    const error = settingsError({ datasetQuality: '100x800', coverage: 'sphere' });
    assert.match(error.message, /datasetQuality requires/);
    assert.match(error.message, /coverage requires/);
  });
});

describe('CLI dataset options', () => {
  const cli = async (...args: string[]) => {
    try {
      await promisify(execFile)(process.execPath, ['dist/src/cli.js', 'render', 'fixtures/generated/tall.glb', '--out', '/nonexistent/never-written', ...args]);
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
    assert.fail(`renderbay render ${args.join(' ')} should fail`);
  };

  test('--coverage without --dataset is invalid_settings, before any rendering', async () => {
    const { code, stderr } = await cli('--coverage', 'sphere');
    assert.equal(code, 1);
    assert.equal(stderr, 'renderbay: invalid_settings: Invalid renderSettings: coverage requires output "dataset" (output is "video")\n');
  });

  test('an unknown --dataset tier is invalid_settings, also in --json', async () => {
    const { code, stdout } = await cli('--dataset', '50x512', '--json');
    assert.equal(code, 1);
    assert.deepEqual(JSON.parse(stdout), {
      ok: false,
      error: { code: 'invalid_settings', message: 'Invalid renderSettings: datasetQuality must be one of: 100x800, 196x1024, 400x2048' },
    });
  });
});

describe('dataset plans per tier', () => {
  const expected = { '100x800': [100, 800, 13], '196x1024': [196, 1024, 25], '400x2048': [400, 2048, 50] } as const;
  for (const quality of DATASET_QUALITIES) {
    const [views, size, testViews] = expected[quality];
    test(`${quality}: ${views} square views of ${size} px, ${testViews} held out, camera files for all of them`, () => {
      const plan = planRender(parseRenderSettings({ output: 'dataset', datasetQuality: quality }), 'm.glb', '/tmp');
      assert.equal(plan.output, 'dataset');
      assert.deepEqual(plan.dataset && [plan.dataset.views, plan.dataset.size, plan.dataset.coverage], [views, size, 'hemisphere']);
      assert.deepEqual([plan.width, plan.height, plan.frameCount], [size, size, views]);
      assert.deepEqual(plan.look, { shadows: false, reflector: false });
      assert.deepEqual(plan.variants, [{ directory: '', background: { color: '#ffffff', image: null, vignette: 0 }, foreground: [] }]);
      assert.equal(plan.antialiasing, 'ssaa2');

      // The same writers the renderer uses, fed the tier's real poses.
      const camera = createDatasetCamera(size, size);
      const poses: DatasetView[] = fibonacciDirections(views, 'hemisphere').map((direction, index) => {
        placeDatasetCamera(camera, direction);
        return { index, cameraToWorld: cameraToWorldRows(camera), split: index % plan.dataset!.testEvery === 0 ? 'test' : 'train' };
      });
      const split = splitViews(poses);
      const transforms = nerfstudioTransforms(poses, split, intrinsics(size, size), {}) as Record<string, unknown> & { frames: unknown[] };
      assert.equal(transforms.frames.length, views);
      assert.deepEqual([transforms.w, transforms.h, transforms.cx, transforms.cy], [size, size, size / 2, size / 2]);
      assert.equal((transforms.test_filenames as string[]).length, testViews);
      assert.equal((transforms.train_filenames as string[]).length, views - testViews);
      const train = blenderTransforms(split.train, intrinsics(size, size)) as { frames: unknown[] };
      assert.equal(train.frames.length, views - testViews);
    });
  }

  test('a test-sized view count keeps the tier and its image size', () => {
    const plan = planRender(parseRenderSettings({ output: 'dataset', datasetQuality: '196x1024' }), 'm.glb', '/tmp', { datasetViews: 3 });
    assert.deepEqual([plan.dataset?.views, plan.dataset?.size, plan.width], [3, 1024, 1024]);
    assert.throws(() => planRender(parseRenderSettings({ output: 'dataset' }), 'm.glb', '/tmp', { datasetViews: 101 }), /datasetViews/);
  });

  test('a video plan has no dataset part', () => {
    const plan = planRender(parseRenderSettings({}), 'm.glb', '/tmp');
    assert.equal(plan.output, 'video');
    assert.equal(plan.dataset, null);
  });
});

describe('view layout', () => {
  test('hemisphere views never go below the horizon; sphere views cover both halves evenly', () => {
    for (const count of [1, 8, 100, 196, 400]) {
      const hemisphere = fibonacciDirections(count, 'hemisphere');
      assert.equal(hemisphere.length, count);
      for (const direction of hemisphere) {
        assert.ok(direction.y > 0, `hemisphere direction ${direction.toArray()} is not above the horizon`);
        assert.ok(Math.abs(direction.length() - 1) < 1e-12);
      }
      const sphere = fibonacciDirections(count, 'sphere');
      const below = sphere.filter((direction) => direction.y < 0).length;
      assert.equal(below, Math.floor(count / 2));
    }
  });

  test('views are spread evenly: nearest neighbours are all at similar angles', () => {
    const directions = fibonacciDirections(100, 'sphere');
    const nearest = directions.map((direction, index) =>
      Math.min(...directions.filter((_, other) => other !== index).map((other) => direction.angleTo(other))),
    );
    const ideal = Math.sqrt((4 * Math.PI) / 100); // angular spacing of 100 equal patches
    assert.ok(Math.min(...nearest) > 0.6 * ideal, `closest pair ${Math.min(...nearest)} rad vs ideal spacing ${ideal}`);
    assert.ok(Math.max(...nearest) < 1.4 * ideal, `loneliest view ${Math.max(...nearest)} rad vs ideal spacing ${ideal}`);
  });

  test('cameras sit at the fixed distance, look at the origin, Z up, and the unit sphere fits the frame', () => {
    const camera = createDatasetCamera(800, 800);
    const { fx, cx } = intrinsics(800, 800);
    for (const direction of fibonacciDirections(50, 'sphere')) {
      placeDatasetCamera(camera, direction);
      const rows = cameraToWorldRows(camera);
      const position = new THREE.Vector3(rows[0][3], rows[1][3], rows[2][3]);
      assert.ok(Math.abs(position.length() - CAMERA_DISTANCE) < 1e-9);
      // Dataset axes are Z up: the camera's height is the view direction's three.js y.
      assert.ok(Math.abs(position.z - CAMERA_DISTANCE * direction.y) < 1e-9);
      const forward = new THREE.Vector3(-rows[0][2], -rows[1][2], -rows[2][2]); // the camera looks down −Z
      assert.ok(forward.angleTo(position.clone().negate()) < 1e-6);
      // The unit sphere's silhouette: half-angle asin(1/d); it must stay inside the frame.
      const silhouetteRadiusPixels = fx * Math.tan(Math.asin(1 / CAMERA_DISTANCE));
      assert.ok(silhouetteRadiusPixels < cx * 0.95 && silhouetteRadiusPixels > cx * 0.85);
    }
  });
});

describe('custom dataset views, size and passes', () => {
  test('datasetViews / datasetSize override the tier; out of range or on a video is invalid_settings', () => {
    const plan = planRender(parseRenderSettings({ output: 'dataset', datasetViews: 40, datasetSize: 512, datasetPasses: ['normals'] }), 'm.glb', '/tmp');
    assert.deepEqual([plan.dataset!.views, plan.dataset!.size, plan.width, plan.frameCount, plan.dataset!.passes], [40, 512, 512, 40, ['normals']]);
    for (const bad of [{ datasetViews: 7 }, { datasetViews: 1001 }, { datasetSize: 255 }, { datasetSize: 2049 }, { datasetViews: 8.5 }, { datasetPasses: ['nope'] }, { datasetPasses: ['albedo', 'albedo'] }]) {
      assert.throws(() => parseRenderSettings({ output: 'dataset', ...bad }), (error: RenderbayError) => error.code === 'invalid_settings', JSON.stringify(bad));
    }
    assert.throws(() => parseRenderSettings({ datasetViews: 40 }), /datasetViews requires output "dataset"/);
  });

  test('price: the smallest tier covering views and size; above 400 views, 64 per started 400', () => {
    const credits = (settings: object) => priceOf(parseRenderSettings({ output: 'dataset', ...settings })).credits;
    assert.equal(credits({}), 4);
    assert.equal(credits({ datasetViews: 100, datasetSize: 800 }), 4);
    assert.equal(credits({ datasetViews: 8, datasetSize: 256 }), 4);
    assert.equal(credits({ datasetViews: 101 }), 16);
    assert.equal(credits({ datasetSize: 1024 }), 16);
    assert.equal(credits({ datasetSize: 1025 }), 64);
    assert.equal(credits({ datasetQuality: '400x2048', datasetViews: 8 }), 64, '2048 px still needs the largest tier');
    assert.equal(credits({ datasetQuality: '400x2048', datasetSize: 256, datasetViews: 8 }), 4);
    assert.equal(credits({ datasetViews: 401 }), 128);
    assert.equal(credits({ datasetViews: 1000, datasetSize: 2048 }), 192);
  });
});
