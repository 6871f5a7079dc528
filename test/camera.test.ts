/**
 * Camera: auto framing's `fill` sizes the silhouette as asked and never clips during a
 * move; an explicit camera (model-viewer's cameraOrbit / cameraTarget / fieldOfView, in
 * the model's own coordinates) puts a marker at a known 3-D point on the pixel that
 * convention gives; bad camera input answers invalid_settings, naming the fields.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import * as THREE from 'three';
import { createCamera, fitOrbitDistance } from '../renderer/camera/orbit.js';
import { silhouetteCandidates } from '../renderer/scene/framing.js';
import { RenderbayError } from '../src/errors.js';
import { applyTemplate } from '../src/templates/template-parts.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { MARKER_POINT } from '../scripts/fixtures/valid-models.js';
import sharp from 'sharp';
import { api, cli, createKey, expectError, modelForm, startServerProcess } from './helpers/api-server.js';
import { silhouette } from './helpers/image.js';
import type { RawImage } from './helpers/media.js';
import { renderStills } from './helpers/studio.js';

const SUZANNE = 'fixtures/sample/Suzanne.glb';
const MARKER = 'fixtures/generated/marker-plate.glb';
const WHITE = [255, 255, 255];
/** Eight azimuths of a 6 s turntable without easing (180 frames). */
const AROUND = [0, 22, 45, 67, 90, 112, 135, 157];

function invalid(settings: RenderSettingsInput, message: RegExp): void {
  assert.throws(
    () => parseRenderSettings(settings),
    (error: unknown) => error instanceof RenderbayError && error.code === 'invalid_settings' && message.test(error.message),
  );
}

/** Largest share of the frame the silhouette spans over the frames, and whether any frame touches an edge. */
function reach(images: RawImage[]): { share: number; clipped: boolean } {
  let share = 0;
  let clipped = false;
  for (const image of images) {
    const shape = silhouette(image, WHITE, 30);
    assert.ok(shape.count > 0, 'model visible');
    share = Math.max(share, shape.widthShare, shape.heightShare);
    clipped ||= shape.minX <= 0 || shape.minY <= 0 || shape.maxX >= image.width - 1 || shape.maxY >= image.height - 1;
  }
  return { share, clipped };
}

describe('camera settings', () => {
  test('cameraOrbit, cameraTarget and fieldOfView take model-viewer units; a stills job with an orbit and no list renders "camera"', () => {
    const settings = parseRenderSettings({ output: 'stills', cameraOrbit: '0.5rad 60deg 150cm', cameraTarget: '0m 10cm 5mm', fieldOfView: '45deg' });
    assert.equal(settings.stills?.length, 1);
    const [still] = settings.stills as { name: string; azimuth: number; elevation: number }[];
    assert.equal(still.name, 'camera');
    assert.ok(Math.abs(still.azimuth - 28.6479) < 1e-3 && Math.abs(still.elevation - 30) < 1e-9, JSON.stringify(still));
    assert.equal(parseRenderSettings({ cameraOrbit: '30deg 75deg 2m', rotateY: 0, zoom: 1 }).cameraOrbit, '30deg 75deg 2m', 'defaults sent back are not conflicts');
  });

  test('a template\'s framing gives way to a request\'s explicit camera; its look stays', () => {
    const template = { settings: { zoom: 1.3, rotateY: 20, tiltX: 5, bgColor: '#102030' }, bookmarks: [], shots: [] };
    const settings = parseRenderSettings(applyTemplate(template, { cameraOrbit: '0deg 90deg 3m' }));
    assert.deepEqual([settings.zoom, settings.rotateY, settings.tiltX, settings.bgColor], [1, 0, 0, '#102030']);
    invalid(applyTemplate(template, { cameraOrbit: '0deg 90deg 3m', zoom: 1.5 }), /zoom cannot be combined with cameraOrbit/);
  });

  test('bad input: unparsable orbits and targets, fieldOfView outside 10–90°, fill outside 0.3–1, auto-framing fields with an explicit camera', () => {
    for (const orbit of ['abc', '30deg 75deg', '30deg 75deg 2m 1', '30deg 200deg 2m', '30deg 75deg 0m', '30deg 75deg -1m', '30deg 75deg 2km', 'auto auto 105%']) {
      invalid({ cameraOrbit: orbit }, /cameraOrbit must be "θ φ r"/);
    }
    invalid({ cameraOrbit: '0deg 90deg 2m', cameraTarget: '1m 2m' }, /cameraTarget must be "x y z"/);
    invalid({ cameraTarget: '0m 0m 0m' }, /cameraTarget requires cameraOrbit/);
    invalid({ fieldOfView: '5deg' }, /fieldOfView must be a vertical angle from 10deg to 90deg/);
    invalid({ fieldOfView: '100deg' }, /fieldOfView must be a vertical angle from 10deg to 90deg/);
    invalid({ fill: 0.2 }, /fill must be from 0.3 to 1/);
    invalid({ fill: 1.5 }, /fill must be from 0.3 to 1/);
    invalid({ cameraOrbit: '0deg 90deg 3m', rotateY: 30, zoom: 1.5, fill: 0.5, tiltX: 10, panX: 5, rollZ: 2 }, /rotateY, zoom, fill, tiltX, panX, rollZ cannot be combined with cameraOrbit/);
  });
});

describe('auto framing: fill', () => {
  test('the silhouette spans fill of the frame at its widest over a turntable, and never touches an edge', async () => {
    for (const fill of [0.5, 0.9]) {
      const images = await renderStills(SUZANNE, { settings: { aspect: '1:1', fill, shadows: false, easing: false }, frames: AROUND, antialiasing: 'none' });
      const { share, clipped } = reach(images);
      assert.ok(!clipped, `fill ${fill}: no frame clipped`);
      assert.ok(share > fill - 0.05 && share <= fill + 0.01, `fill ${fill}: spans ${share.toFixed(3)} at its widest`);
    }
  });

  test('a model of many vertices is fitted on its outermost ones: never closer than all of them allow, at most 1.5 % farther', () => {
    const random = (() => {
      let state = 7;
      return () => ((state = (state * 16807) % 2147483647) / 2147483647);
    })();
    const count = 100_000;
    const points = new Float32Array(count * 3);
    const box = new THREE.Box3();
    for (let index = 0; index < count; index++) {
      // A lumpy, off-axis potato: an ellipsoid shell with random depth.
      const direction = new THREE.Vector3(random() - 0.5, random() - 0.5, random() - 0.5).normalize().multiplyScalar(0.8 + 0.2 * random());
      const point = direction.multiply(new THREE.Vector3(0.6, 1.5, 0.3)).add(new THREE.Vector3(0.2, 1.5, -0.1));
      points.set(point.toArray(), index * 3);
      box.expandByPoint(point);
    }
    const reduced = silhouetteCandidates(points, box);
    assert.ok(reduced.points.length < points.length, `reduced to ${reduced.points.length / 3} points`);
    const camera = createCamera(960, 540);
    const target = box.getCenter(new THREE.Vector3());
    for (const elevation of [15, 45]) {
      const all = fitOrbitDistance(camera, points, target, elevation, { fill: 0.72 });
      const outermost = fitOrbitDistance(camera, reduced.points, target, elevation, { fill: 0.72, slack: reduced.slack });
      assert.ok(outermost >= all && outermost <= all * 1.016, `elevation ${elevation}: ${outermost.toFixed(4)} against ${all.toFixed(4)}`);
    }
  });

  test('default fill: a zoom-orbit reaches it at its closest and never clips; zoom multiplies the distance after fill', async () => {
    const frames = [0, 60, 120, 179];
    const zoomOrbit = reach(await renderStills(SUZANNE, { settings: { aspect: '16:9', effect: 'zoom-orbit', shadows: false }, frames, antialiasing: 'none' }));
    assert.ok(!zoomOrbit.clipped, 'zoom-orbit never clips');
    const [front] = await renderStills(SUZANNE, { settings: { aspect: '1:1', shadows: false }, antialiasing: 'none' });
    const [farther] = await renderStills(SUZANNE, { settings: { aspect: '1:1', shadows: false, zoom: 2 }, antialiasing: 'none' });
    const ratio = silhouette(farther, WHITE, 30).widthShare / silhouette(front, WHITE, 30).widthShare;
    assert.ok(Math.abs(ratio - 0.5) < 0.05, `zoom 2 halves the silhouette (×${ratio.toFixed(3)})`);
  });
});

describe('explicit camera', () => {
  const orbit = { thetaDegrees: 25, phiDegrees: 70, radius: 2.5 };
  const target = [1, 2, 0];
  const fieldOfView = 40;

  /** The marker's pixel under model-viewer's convention, computed here from first principles. */
  function expectedPixel(size: number): [number, number] {
    const theta = (orbit.thetaDegrees * Math.PI) / 180;
    const phi = (orbit.phiDegrees * Math.PI) / 180;
    const eye = [target[0] + orbit.radius * Math.sin(phi) * Math.sin(theta), target[1] + orbit.radius * Math.cos(phi), target[2] + orbit.radius * Math.sin(phi) * Math.cos(theta)];
    const sub = (a: number[], b: number[]) => a.map((value, axis) => value - b[axis]);
    const dot = (a: number[], b: number[]) => a.reduce((sum, value, axis) => sum + value * b[axis], 0);
    const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    const unit = (a: number[]) => a.map((value) => value / Math.hypot(...a));
    const forward = unit(sub(target, eye));
    const right = unit(cross(forward, [0, 1, 0]));
    const up = cross(right, forward);
    const offset = sub([...MARKER_POINT], eye);
    const depth = dot(offset, forward);
    const scale = Math.tan((fieldOfView * Math.PI) / 360) * depth;
    const ndcX = dot(offset, right) / scale;
    const ndcY = dot(offset, up) / scale;
    return [((ndcX + 1) / 2) * size, ((1 - ndcY) / 2) * size];
  }

  test('the marker at a known point of the model lands on its computed pixel (the model is not moved)', async () => {
    const settings: RenderSettingsInput = {
      aspect: '1:1',
      shadows: false,
      cameraOrbit: `${orbit.thetaDegrees}deg ${orbit.phiDegrees}deg ${orbit.radius}m`,
      cameraTarget: target.map((value) => `${value}m`).join(' '),
      fieldOfView: `${fieldOfView}deg`,
    };
    const [image] = await renderStills(MARKER, { settings, antialiasing: 'none' });
    let sumX = 0;
    let sumY = 0;
    let count = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const offset = (y * image.width + x) * image.channels;
        const [red, green, blue] = image.data.subarray(offset, offset + 3);
        if (red > 150 && red - green > 80 && red - blue > 80) {
          sumX += x + 0.5;
          sumY += y + 0.5;
          count++;
        }
      }
    }
    assert.ok(count > 20, `marker visible (${count} red pixels)`);
    const [expectedX, expectedY] = expectedPixel(image.width);
    const [foundX, foundY] = [sumX / count, sumY / count];
    assert.ok(Math.hypot(foundX - expectedX, foundY - expectedY) < 3, `marker at (${foundX.toFixed(1)}, ${foundY.toFixed(1)}), expected (${expectedX.toFixed(1)}, ${expectedY.toFixed(1)})`);
  });

  test('a camera inside the model is invalid_settings, when rendering and when a render is created over REST', async () => {
    const inside = { aspect: '1:1', cameraOrbit: '0deg 90deg 1cm', cameraTarget: '1m 2m 0m' } as const;
    await assert.rejects(
      renderStills(MARKER, { settings: inside, antialiasing: 'none' }),
      (error: unknown) => error instanceof RenderbayError && error.code === 'invalid_settings' && /inside the model's bounds/.test(error.message),
    );
    const dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-camera-'));
    const key = await createKey(dataDirectory);
    const server = await startServerProcess(dataDirectory);
    try {
      const upload = await api(server, key, 'POST', '/models', await modelForm(MARKER));
      assert.equal(upload.status, 201, JSON.stringify(upload.body));
      const modelId = upload.body.data.modelId;
      expectError(await api(server, key, 'POST', '/renders', { modelId, renderSettings: inside }), 400, 'invalid_settings', /inside the model's bounds \(min 0\.5 1\.5 -0\.05/);
      expectError(await api(server, key, 'POST', '/renders', { modelId, renderSettings: { cameraOrbit: '0deg 90deg 3m', rotateY: 45 } }), 400, 'invalid_settings', /rotateY cannot be combined with cameraOrbit/);
    } finally {
      await server.stop();
      await rm(dataDirectory, { recursive: true, force: true });
    }
  });

  test('CLI: --stills with --camera-orbit, --camera-target and --field-of-view renders stills/camera.png', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'renderbay-camera-cli-'));
    try {
      await cli('render', MARKER, '--stills', '--camera-orbit', '25deg 70deg 250cm', '--camera-target', '1m 2m 0m', '--field-of-view', '40deg', '--image-size', '96x96', '--json', '--out', out);
      const metadata = await sharp(path.join(out, 'stills', 'camera.png')).metadata();
      assert.deepEqual([metadata.width, metadata.height], [96, 96]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
