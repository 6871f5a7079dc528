/**
 * Animation playback on rendered pixels, and clip names for validating the `animation`
 * setting. Renders use the real Studio (test/helpers/studio.ts).
 *
 * Comparing poses needs frames with the same camera. An eased turntable ends exactly where
 * it starts (progress 1 = 360°), so the first and last frames of any eased turntable, and
 * the last frames of two such videos of different lengths, share one camera and differ only
 * in the clip time (i / 30) · speed they show.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readModel } from '../renderer/load/read-model.js';
import { loadScene } from '../renderer/load/load-scene.js';
import { RenderbayError } from '../src/errors.js';
import { readAnimationClipNames, resolveAnimationClip } from '../src/models/model-animations.js';
import type { RenderSettingsInput } from '../src/settings/render-settings.js';
import { crop, differenceBox, meanDifference, silhouette } from './helpers/image.js';
import type { RawImage } from './helpers/media.js';
import { renderStills } from './helpers/studio.js';

const SKINNED_MORPH = 'fixtures/generated/skinned-morph.glb'; // clip "wave", 1 s
const RIGID_CLIPS = 'fixtures/generated/rigid-clips.glb'; // clips "spin", "bob", unnamed; 2 s each
const CUBE = 'fixtures/generated/textured-cube.glb';
const FPS = 30;
const BACKGROUND = [255, 255, 255];

/** Small, fast frames on a plain white background; an eased turntable so the last frame's camera is the first's. */
const FAST: RenderSettingsInput = { quality: 'share', shadows: false, bgColor: '#ffffff', effect: 'turntable', easing: true };

/** The last frame of a video of `frameCount` frames, which the first frame's camera sees. */
async function lastFrame(model: string, frameCount: number, settings: RenderSettingsInput): Promise<RawImage> {
  const [image] = await renderStills(model, { settings: { ...FAST, ...settings, length: frameCount / FPS }, frames: [frameCount - 1], antialiasing: 'none' });
  return image;
}

const leftHalf = (image: RawImage) => crop(image, 0, 0, image.width / 2, image.height);
const rightHalf = (image: RawImage) => crop(image, image.width / 2, 0, image.width / 2, image.height);

describe('animation playback', () => {
  // 97 frames: the last shows clip time 96 / 30 = 3.2 s, 0.2 s into the 1 s "wave" loop
  // (the joint swung 32°, the morph weight 0.4); the first shows 0 s.
  test('the clip poses the model: skinned column and morphed box both move between two frames with one camera', async () => {
    const settings = { ...FAST, length: 97 / FPS };
    const [stillFirst, stillLast] = await renderStills(SKINNED_MORPH, { settings, frames: [0, 96], antialiasing: 'none' });
    const [first, last] = await renderStills(SKINNED_MORPH, { settings: { ...settings, animation: 'wave' }, frames: [0, 96], antialiasing: 'none' });
    assert.ok(meanDifference(stillFirst, stillLast) < 0.2, 'without animation the first and last frames match');
    // The morphed box stands left of the front camera, the skinned column right.
    const morphChange = meanDifference(leftHalf(first), leftHalf(last));
    const skinChange = meanDifference(rightHalf(first), rightHalf(last));
    assert.ok(morphChange > 0.3, `the morph target animates (left half differs by ${morphChange.toFixed(2)})`);
    assert.ok(skinChange > 0.3, `the skinned column animates (right half differs by ${skinChange.toFixed(2)})`);
  });

  test('animationSpeed 2 shows at 3.1 s the pose speed 1 shows at 6.2 s (both 0.2 s into the loop)', async () => {
    // Speed 2, 94 frames: last frame at 93 / 30 · 2 = 6.2 s → 0.2 s. Speed 1, 97 frames: 3.2 s → 0.2 s.
    // Speed 1, 94 frames: 3.1 s → 0.1 s, a different pose under the same camera.
    const [fast, slowSamePose, slowSameFrame] = await Promise.all([
      lastFrame(SKINNED_MORPH, 94, { animation: 'wave', animationSpeed: 2 }),
      lastFrame(SKINNED_MORPH, 97, { animation: 'wave', animationSpeed: 1 }),
      lastFrame(SKINNED_MORPH, 94, { animation: 'wave', animationSpeed: 1 }),
    ]);
    const samePose = meanDifference(fast, slowSamePose);
    const sameFrame = meanDifference(fast, slowSameFrame);
    assert.ok(samePose < 0.1, `the same clip time renders the same pose (differs by ${samePose.toFixed(3)})`);
    assert.ok(sameFrame > 0.2, `speed 1 at the same frame shows another pose (differs by ${sameFrame.toFixed(3)})`);
  });

  test('"*" plays the first clip; a named clip plays that clip', async () => {
    // 97 frames: 3.2 s → 1.2 s into the 2 s clips (spin at 216°, bob 0.4 m up).
    const [first, spin, bob] = await Promise.all([
      lastFrame(RIGID_CLIPS, 97, { animation: '*' }),
      lastFrame(RIGID_CLIPS, 97, { animation: 'spin' }),
      lastFrame(RIGID_CLIPS, 97, { animation: 'bob' }),
    ]);
    assert.ok(meanDifference(first, spin) < 0.05, '"*" renders exactly what "spin" renders');
    assert.ok(meanDifference(first, bob) > 0.3, '"bob" renders another pose');
  });

  test('an animated model is framed on all its poses: at the top of "bob" it stays inside the frame', async () => {
    // "bob" lifts the 0.3 m plank 0.5 m at 1 s (frame 30); framed on its rest pose alone the
    // camera would crop it. Its first frame (on the ground) must stay in frame too.
    const [ground, top] = await renderStills(RIGID_CLIPS, { settings: { ...FAST, length: 3, animation: 'bob' }, frames: [0, 30], antialiasing: 'none' });
    for (const [name, image] of [['ground', ground], ['top', top]] as const) {
      const shape = silhouette(image, BACKGROUND);
      assert.ok(shape.count > 0, `${name}: the model is visible`);
      assert.ok(shape.minY > 0 && shape.maxY < image.height - 1, `${name}: the plank is inside the frame vertically (rows ${shape.minY}–${shape.maxY})`);
      assert.ok(shape.minX > 0 && shape.maxX < image.width - 1, `${name}: the plank is inside the frame horizontally`);
    }
    const groundShape = silhouette(ground, BACKGROUND);
    const topShape = silhouette(top, BACKGROUND);
    assert.ok(topShape.maxY < groundShape.maxY - 20, 'the plank has risen at the top of the bob');
  });

  test('the reflection follows the animation: as "spin" turns the plank end-on, its mirror image narrows with it', async () => {
    // 136 frames: the last shows 135 / 30 = 4.5 s → 0.5 s into "spin" (the plank turned 90°,
    // end-on to the camera); the first shows it side-on. A reflection frozen in the opening
    // pose would stay side-on under the end-on plank.
    const settings = { ...FAST, length: 136 / FPS, animation: 'spin' };
    const frames = [0, 135];
    const [plainSide, plainEnd] = await renderStills(RIGID_CLIPS, { settings, frames, antialiasing: 'none' });
    const [mirroredSide, mirroredEnd] = await renderStills(RIGID_CLIPS, { settings: { ...settings, reflector: true }, frames, antialiasing: 'none' });
    const check = (name: string, plain: RawImage, mirrored: RawImage) => {
      const model = silhouette(plain, BACKGROUND);
      // The floor draws nothing but the reflection, and the model covers its own reflection:
      // where the two renders differ is the visible part of the reflection.
      const reflection = differenceBox(mirrored, plain, 4);
      assert.ok(reflection.count > 1000, `${name}: the reflection is visible (${reflection.count} pixels)`);
      assert.ok(reflection.maxY > model.maxY, `${name}: the reflection lies below the model`);
      const tolerance = 0.05 * (model.maxX - model.minX);
      assert.ok(
        Math.abs(reflection.minX - model.minX) <= tolerance && Math.abs(reflection.maxX - model.maxX) <= tolerance,
        `${name}: the reflection spans the model's columns (reflection ${reflection.minX}–${reflection.maxX}, model ${model.minX}–${model.maxX})`,
      );
      return { model: model.maxX - model.minX, reflection: reflection.maxX - reflection.minX };
    };
    const side = check('side-on', plainSide, mirroredSide);
    const end = check('end-on', plainEnd, mirroredEnd);
    assert.ok(end.model < side.model / 2, `the plank turns end-on (${side.model} → ${end.model} px wide)`);
    assert.ok(end.reflection < side.reflection / 2, `its reflection turns with it (${side.reflection} → ${end.reflection} px wide)`);
  });

  test('the renderer refuses a clip the model does not have, listing its clips', async () => {
    await assert.rejects(
      renderStills(RIGID_CLIPS, { settings: { ...FAST, length: 3, animation: 'wave' }, antialiasing: 'none' }),
      (error: RenderbayError) => error.code === 'invalid_settings' && error.message === `Unknown animation "wave": the model's clips are: spin, bob, animation_2`,
    );
    await assert.rejects(
      renderStills(CUBE, { settings: { ...FAST, length: 3, animation: '*' }, antialiasing: 'none' }),
      (error: RenderbayError) => error.code === 'invalid_settings' && /the model has no animations/.test(error.message),
    );
  });
});

describe('animation clip names', () => {
  test('readAnimationClipNames lists clips in file order, unnamed ones as three.js names them', async () => {
    assert.deepEqual(await readAnimationClipNames(SKINNED_MORPH), ['wave']);
    assert.deepEqual(await readAnimationClipNames(RIGID_CLIPS), ['spin', 'bob', 'animation_2']);
    assert.deepEqual(await readAnimationClipNames(CUBE), []);
    assert.deepEqual(await readAnimationClipNames('fixtures/generated/selfcontained.gltf'), []);
  });

  test('the names match the clips the renderer loads', async () => {
    const loaded = await loadScene((await readModel(RIGID_CLIPS)).glb);
    assert.deepEqual(
      loaded.animations.map((clip) => clip.name),
      await readAnimationClipNames(RIGID_CLIPS),
    );
  });

  test('readAnimationClipNames reports a missing file and a file that is not glTF', async () => {
    await assert.rejects(readAnimationClipNames('fixtures/generated/no-such-model.glb'), { code: 'file_not_found', status: 404 });
    await assert.rejects(readAnimationClipNames('fixtures/generated/bad-random.glb'), { code: 'invalid_format' });
    await assert.rejects(readAnimationClipNames('fixtures/generated/bad-json.glb'), { code: 'invalid_model' });
    // A JSON chunk length forged past the end of the file is refused before anything is allocated.
    const forged = new Uint8Array(await readFile(SKINNED_MORPH));
    new DataView(forged.buffer, forged.byteOffset).setUint32(12, 0x7fff_fff0, true);
    const directory = await mkdtemp(path.join(tmpdir(), 'renderbay-clips-'));
    try {
      await writeFile(path.join(directory, 'forged.glb'), forged);
      await assert.rejects(readAnimationClipNames(path.join(directory, 'forged.glb')), { code: 'invalid_model', message: /past the end of the file/ });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('resolveAnimationClip: a known name, "*" for the first, and clear errors', () => {
    const names = ['spin', 'bob', 'animation_2'];
    assert.equal(resolveAnimationClip(names, 'bob'), 'bob');
    assert.equal(resolveAnimationClip(names, 'animation_2'), 'animation_2');
    assert.equal(resolveAnimationClip(names, '*'), 'spin');
    assert.throws(() => resolveAnimationClip(names, 'Spin'), {
      name: 'RenderbayError',
      code: 'invalid_settings',
      status: 400,
      message: `Unknown animation "Spin": the model's clips are: spin, bob, animation_2`,
    });
    for (const requested of ['*', 'wave']) {
      assert.throws(() => resolveAnimationClip([], requested), {
        code: 'invalid_settings',
        message: `Cannot play animation "${requested}": the model has no animations`,
      });
    }
  });
});
