/**
 * Camera effects and model orientation: the move math on its own, then on rendered
 * frames (first, middle and last frame of a 3-second move, 90 frames).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as THREE from 'three';
import { cameraPose } from '../renderer/camera/camera-move.js';
import { createCamera, fitOrbitDistance, placeOrbitCamera } from '../renderer/camera/orbit.js';
import { rampedProgress } from '../renderer/camera/speed-ramp.js';
import { placeOnGround } from '../renderer/scene/framing.js';
import { orientModel } from '../renderer/scene/orientation.js';
import { planRender, type CameraMove } from '../src/render/render-plan.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { differenceBox, meanDifference, silhouette } from './helpers/image.js';
import type { RawImage } from './helpers/media.js';
import { renderStills } from './helpers/studio.js';

const SUZANNE = 'fixtures/sample/Suzanne.glb';
const CUBE = 'fixtures/generated/textured-cube.glb';
const TALL = 'fixtures/generated/tall.glb';
const WIDE = 'fixtures/generated/wide.glb';
const WHITE = [255, 255, 255];
/** length 3 at 30 fps. */
const FRAMES = 90;
const FIRST = 0;
const MIDDLE = 45;
const LAST = FRAMES - 1;
/** Pixel-similar: the same view rendered twice differs by 0; a different view of Suzanne by several levels. */
const SAME_VIEW = 0.5;
const OTHER_VIEW = 3;

function move(settings: RenderSettingsInput): CameraMove {
  return planRender(parseRenderSettings({ length: 3, ...settings }), '/m.glb', '/w').camera;
}

/** Renders frames of a 3-second move, quickly (square, no anti-aliasing). */
function render(model: string, settings: RenderSettingsInput, frames: number[]): Promise<RawImage[]> {
  return renderStills(model, { settings: { length: 3, aspect: '1:1', ...settings }, frames, antialiasing: 'none' });
}

describe('camera move math', () => {
  test('speed ramp: covers exactly 0 → 1, speed continuous at every junction, at rest at the end', () => {
    for (const [rampIn, rampOut] of [[0, 0.6], [0.1, 0.6], [0, 1], [0.2, 0.3]]) {
      const at = (t: number) => rampedProgress(t, rampIn, rampOut);
      const h = 1e-7;
      const speedBefore = (t: number) => (at(t) - at(t - h)) / h;
      const speedAfter = (t: number) => (at(t + h) - at(t)) / h;
      const cruise = 1 / (1 - rampIn / 2 - rampOut / 2);
      assert.equal(at(0), 0);
      assert.equal(at(1), 1);
      for (const junction of [rampIn, 1 - rampOut].filter((t) => t > 0 && t < 1)) {
        const before = speedBefore(junction);
        const after = speedAfter(junction);
        assert.ok(Math.abs(before - after) < 1e-4 * cruise, `ramps ${rampIn}/${rampOut}: speed ${before} before ${junction}, ${after} after`);
      }
      assert.ok(speedBefore(1) < 1e-4 * cruise, `ramps ${rampIn}/${rampOut}: speed at the end ${speedBefore(1)}`);
      if (rampIn > 0) assert.ok(speedAfter(0) < 1e-4 * cruise, `ramps ${rampIn}/${rampOut}: starts at rest`);
      if (rampOut < 1) assert.ok(Math.abs(speedAfter((rampIn + 1 - rampOut) / 2) - cruise) < 1e-4 * cruise, 'cruises at the speed that covers exactly 1');
    }
  });

  test('hero-spin travels the whole sweep, at rest on the last frame, exactly on the start angle (facing front)', () => {
    for (const settings of [{}, { rotateY: 30, easing: false }, { sweepAngle: 450, easeOutRatio: 0.3 }, { easeOutRatio: 1 }] as RenderSettingsInput[]) {
      const hero = move({ effect: 'hero-spin', ...settings });
      const azimuths = Array.from({ length: FRAMES }, (_, index) => cameraPose(hero, index, FRAMES).azimuthDegrees);
      const where = JSON.stringify(settings);
      assert.equal(azimuths[LAST], hero.startAngleDegrees, `${where}: ends on the start angle`);
      assert.ok(Math.abs(azimuths[LAST] - azimuths[FIRST] - hero.sweepDegrees) < 1e-9, `${where}: travels ${hero.sweepDegrees}°`);
      const steps = azimuths.slice(1).map((azimuth, index) => azimuth - azimuths[index]);
      assert.ok(steps.every((step) => step >= 0), `${where}: always turns one way`);
      assert.ok(steps[steps.length - 1] < Math.max(...steps) * 0.05, `${where}: decelerates to rest (last step ${steps[steps.length - 1]}°)`);
      // No jolt: the speed changes by at most the ramp-in's acceleration (the top speed
      // over 10 % of 90 frames, ~11 % a frame); a speed jump at a junction would be larger.
      const jolts = steps.slice(1).map((step, index) => Math.abs(step - steps[index]));
      assert.ok(Math.max(...jolts) < Math.max(...steps) * 0.13, `${where}: speed changes smoothly (largest change ${Math.max(...jolts)}°)`);
    }
  });

  test('showcase swings by the amplitude and returns exactly to its start', () => {
    const showcase = move({ effect: 'showcase', rotateY: 20, amplitude: 45 });
    const azimuths = Array.from({ length: FRAMES }, (_, index) => cameraPose(showcase, index, FRAMES).azimuthDegrees);
    assert.equal(azimuths[FIRST], 20);
    assert.ok(Math.abs(azimuths[LAST] - 20) < 1e-9, `last frame at ${azimuths[LAST]}°`);
    assert.ok(Math.abs(Math.max(...azimuths) - 65) < 0.5 && Math.abs(Math.min(...azimuths) + 25) < 0.5, 'swings 45° either side');
  });

  test('zoom-orbit: distance from zoomStart to zoomEnd (times zoom) over a full orbit; turntable unchanged', () => {
    const zoomOrbit = move({ effect: 'zoom-orbit', zoom: 1.5, zoomStart: 2, zoomEnd: 0.5 });
    assert.equal(cameraPose(zoomOrbit, FIRST, FRAMES).distanceMultiplier, 3);
    assert.equal(cameraPose(zoomOrbit, LAST, FRAMES).distanceMultiplier, 0.75);
    assert.equal(cameraPose(zoomOrbit, LAST, FRAMES).azimuthDegrees, 360);
    const turntable = move({ effect: 'turntable', easing: false, rotateY: 10 });
    assert.equal(cameraPose(turntable, 45, FRAMES).azimuthDegrees, 190, 'linear turntable: index / count of 360°');
    assert.equal(cameraPose(turntable, 45, FRAMES).distanceMultiplier, 1);
  });

  test('reveal: the model grows from scaleFrom to full size while the camera turns the sweep', () => {
    const reveal = move({ effect: 'reveal', scaleFrom: 0.25 });
    assert.equal(cameraPose(reveal, FIRST, FRAMES).modelScale, 0.25);
    assert.equal(cameraPose(reveal, LAST, FRAMES).modelScale, 1);
    assert.equal(cameraPose(reveal, LAST, FRAMES).azimuthDegrees, 0, 'lands on the start angle (the front)');
    assert.equal(cameraPose(reveal, FIRST, FRAMES).azimuthDegrees, -180, 'after turning the sweep');
    for (const effect of ['turntable', 'hero-spin', 'showcase', 'zoom-orbit'] as const) assert.equal(cameraPose(move({ effect }), FIRST, FRAMES).modelScale, 1);
  });

  test('depth range: a camera moved in to zoomEnd 0.1 at zoom 0.5 still keeps the whole model between near and far', () => {
    const model = new THREE.Mesh(new THREE.BoxGeometry(0.2, 2, 0.2));
    const framing = placeOnGround(model);
    const camera = createCamera(960, 540);
    const zoomOrbit = move({ effect: 'zoom-orbit', zoom: 0.5, zoomStart: 3, zoomEnd: 0.1 });
    const distance = fitOrbitDistance(camera, framing.points, framing.centre, 15, { fill: zoomOrbit.fill, closestMultiplier: 0.1 });
    for (const index of [FIRST, MIDDLE, LAST]) {
      placeOrbitCamera(camera, framing.centre, distance, cameraPose(zoomOrbit, index, FRAMES));
      const nearest = framing.box.distanceToPoint(camera.position);
      const mirrored = framing.box.clone().applyMatrix4(new THREE.Matrix4().makeScale(1, -1, 1));
      const farthest = Math.max(...[framing.box, mirrored].map((box) => box.getBoundingSphere(new THREE.Sphere()).center.distanceTo(camera.position) + box.getBoundingSphere(new THREE.Sphere()).radius));
      assert.ok(camera.near < nearest, `frame ${index}: near ${camera.near} < nearest model point ${nearest}`);
      assert.ok(camera.far > farthest, `frame ${index}: far ${camera.far} > farthest point of model and reflection ${farthest}`);
    }
  });

  test('orientation: roll, then tilt, then pan; the turned model stands on the ground, centred', () => {
    // A 0.2 × 2 × 0.4 column, its base at the origin and off-centre, as a loaded model might be.
    const column = () => new THREE.Mesh(new THREE.BoxGeometry(0.2, 2, 0.4).translate(3, 1, -2));
    const placedSize = (orientation: { tiltXDegrees: number; panXDegrees: number; rollZDegrees: number }) => {
      const framing = placeOnGround(orientModel(column(), orientation));
      assert.ok(Math.abs(framing.box.min.y) < 1e-9, 'stands on the ground');
      const centre = framing.box.getCenter(new THREE.Vector3());
      assert.ok(Math.abs(centre.x) < 1e-9 && Math.abs(centre.z) < 1e-9, 'centred on the vertical axis');
      return framing.size.toArray().map((value) => Math.round(value * 1000) / 1000);
    };
    assert.deepEqual(placedSize({ tiltXDegrees: 0, panXDegrees: 0, rollZDegrees: 0 }), [0.2, 2, 0.4]);
    assert.deepEqual(placedSize({ tiltXDegrees: 0, panXDegrees: 0, rollZDegrees: 90 }), [2, 0.2, 0.4], 'roll lays it along X');
    assert.deepEqual(placedSize({ tiltXDegrees: 90, panXDegrees: 0, rollZDegrees: 0 }), [0.2, 0.4, 2], 'tilt lays it along Z (towards the camera)');
    assert.deepEqual(placedSize({ tiltXDegrees: 90, panXDegrees: 90, rollZDegrees: 0 }), [2, 0.4, 0.2], 'pan after tilt turns the lying column on the floor');
    assert.deepEqual(placedSize({ tiltXDegrees: 0, panXDegrees: 90, rollZDegrees: 0 }), [0.4, 2, 0.2], 'pan alone turns it about the vertical');
  });
});

describe('camera effects on rendered frames', () => {
  test('turntable: the linear orbit is half-way round (start + 180°) on the middle frame', async () => {
    const [start, half] = await render(SUZANNE, { easing: false }, [FIRST, MIDDLE]);
    const [turned] = await render(SUZANNE, { rotateY: 180 }, [FIRST]);
    assert.ok(meanDifference(half, turned) < SAME_VIEW, `half-way is the back view (${meanDifference(half, turned).toFixed(2)})`);
    assert.ok(meanDifference(start, half) > OTHER_VIEW, `the camera moves (${meanDifference(start, half).toFixed(2)})`);
  });

  test('hero-spin: the last frame faces the front like a turntable\'s first; the middle does not', async () => {
    const [front] = await render(SUZANNE, {}, [FIRST]);
    const [middle, last] = await render(SUZANNE, { effect: 'hero-spin' }, [MIDDLE, LAST]);
    assert.ok(meanDifference(last, front) < SAME_VIEW, `last frame = front (${meanDifference(last, front).toFixed(2)})`);
    assert.ok(meanDifference(middle, front) > OTHER_VIEW, `middle frame turned away (${meanDifference(middle, front).toFixed(2)})`);
  });

  test('showcase: returns to its start on the last frame, swung away in between', async () => {
    const [first, quarter, last] = await render(SUZANNE, { effect: 'showcase' }, [FIRST, 22, LAST]);
    assert.ok(meanDifference(first, last) < SAME_VIEW, `last = first (${meanDifference(first, last).toFixed(2)})`);
    assert.ok(meanDifference(first, quarter) > OTHER_VIEW, `swung away at a quarter (${meanDifference(first, quarter).toFixed(2)})`);
  });

  test('zoom-orbit: reaches fill at its closest (ends framed like a turntable), starts about (1/0.7)² smaller in area, centred and inside the frame', async () => {
    const [turntable] = await render(CUBE, { shadows: false }, [FIRST]);
    const [first, last] = await render(CUBE, { effect: 'zoom-orbit', shadows: false }, [FIRST, LAST]);
    assert.ok(meanDifference(last, turntable) < SAME_VIEW, 'zoomEnd 0.7, the closest point, frames like a turntable (fill is reached there)');
    const [small, large] = [first, last].map((image) => silhouette(image, WHITE));
    const ratio = large.count / small.count;
    // Perspective makes the near faces grow a little faster than the distance ratio alone.
    assert.ok(ratio > 1.8 && ratio < 2.4, `area grows ${ratio.toFixed(2)}× (expected about ${(1 / 0.7 ** 2).toFixed(2)})`);
    assert.ok(large.minX > 0 && large.minY > 0 && large.maxX < last.width - 1 && large.maxY < last.height - 1, 'the closest frame is not cropped');
    assert.ok(Math.abs(large.centreX - 0.5) < 0.03 && Math.abs(large.centreY - 0.5) < 0.1, `still centred (${large.centreX.toFixed(3)}, ${large.centreY.toFixed(3)})`);
  });

  test('reveal: nothing on the first frame (no shadow either), grows out of the floor, full size and shadowed at the end', async () => {
    const [first, middle, last] = await render(CUBE, { effect: 'reveal', easing: false }, [FIRST, MIDDLE, LAST]);
    const [fullSize] = await render(CUBE, { easing: false }, [FIRST]); // a turntable's front view, where reveal lands
    assert.equal(silhouette(first, WHITE, 4).count, 0, 'frame 0 is empty: no model and no shadow');
    assert.ok(meanDifference(last, fullSize) < SAME_VIEW, `last frame = the full-size model and shadow (${meanDifference(last, fullSize).toFixed(2)})`);
    const [half, full] = [middle, last].map((image) => silhouette(image, WHITE, 60));
    assert.ok(half.count < full.count * 0.5 && half.count > full.count * 0.1, `half-way is about half size (${half.count} of ${full.count} pixels)`);
    assert.ok(half.centreY > full.centreY + 0.05, `grows from the floor: half-size centre ${half.centreY.toFixed(3)} below the full-size ${full.centreY.toFixed(3)}`);
  });
});

describe('model orientation on rendered frames', () => {
  const shape = (image: RawImage) => silhouette(image, WHITE, 30);
  const assertCentred = (image: RawImage, where: string) => {
    const { centreX, centreY, minX, maxX, minY, maxY } = shape(image);
    assert.ok(Math.abs(centreX - 0.5) < 0.05 && Math.abs(centreY - 0.5) < 0.12, `${where}: centred (${centreX.toFixed(3)}, ${centreY.toFixed(3)})`);
    assert.ok(minX > 0 && minY > 0 && maxX < image.width - 1 && maxY < image.height - 1, `${where}: fully framed`);
  };

  test('tall.glb: rollZ 90 lies it across the frame, tiltX 90 along the view axis, tiltX 90 + panX 90 across again', async () => {
    const views = await Promise.all(
      [{}, { rollZ: 90 }, { tiltX: 90 }, { tiltX: 90, panX: 90 }].map(async (settings) => (await render(TALL, { shadows: false, ...settings }, [FIRST]))[0]),
    );
    const [upright, rolled, tilted, tiltedPanned] = views.map(shape);
    assert.ok(upright.heightShare > upright.widthShare * 3, 'upright: tall');
    assert.ok(rolled.widthShare > rolled.heightShare * 3, `rollZ 90: wide (${rolled.widthShare.toFixed(2)} × ${rolled.heightShare.toFixed(2)})`);
    assert.ok(tilted.heightShare < upright.heightShare * 0.6 && tilted.widthShare < tilted.heightShare * 2, `tiltX 90: short, seen end-on (${tilted.widthShare.toFixed(2)} × ${tilted.heightShare.toFixed(2)})`);
    assert.ok(tiltedPanned.widthShare > tiltedPanned.heightShare * 3, `tiltX 90 then panX 90: wide (${tiltedPanned.widthShare.toFixed(2)} × ${tiltedPanned.heightShare.toFixed(2)})`);
    for (const [index, image] of views.entries()) assertCentred(image, ['upright', 'rolled', 'tilted', 'tilted and panned'][index]);
  });

  test('wide.glb: panX 90 turns its long side away from the camera', async () => {
    const [front, turned] = await Promise.all([{}, { panX: 90 }].map(async (settings) => (await render(WIDE, { shadows: false, ...settings }, [FIRST]))[0]));
    assert.ok(shape(turned).widthShare < shape(front).widthShare * 0.5, `narrower: ${shape(turned).widthShare.toFixed(2)} vs ${shape(front).widthShare.toFixed(2)}`);
    assertCentred(turned, 'panned');
  });

  test('the contact shadow is baked from the oriented model: a rolled tall.glb casts a wide shadow', async () => {
    const [[withShadow], [withoutShadow]] = await Promise.all([true, false].map((shadows) => render(TALL, { rollZ: 90, shadows }, [FIRST])));
    const model = shape(withoutShadow);
    const shadow = differenceBox(withShadow, withoutShadow, 8);
    assert.ok(shadow.count > 0, 'a shadow is drawn');
    const shadowWidth = shadow.maxX - shadow.minX + 1;
    const modelWidth = model.maxX - model.minX + 1;
    assert.ok(shadowWidth > modelWidth * 0.8, `shadow ${shadowWidth} px wide under a model ${modelWidth} px wide`);
    assert.ok(shadow.maxY > model.maxY, 'the shadow lies on the floor below the model');
  });
});
