import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planRender } from '../src/render/render-plan.js';
import { frameSize, parseRenderSettings } from '../src/settings/render-settings.js';
import { settingsError, testSettingsRejections } from './helpers/settings.js';

describe('render settings schema', () => {
  test('fills every default from the reference', () => {
    assert.deepEqual(parseRenderSettings({}), {
      quality: 'share',
      aspect: '16:9',
      effect: 'turntable',
      easeOutRatio: 0.6,
      amplitude: 60,
      zoomStart: 1,
      zoomEnd: 0.7,
      scaleFrom: 0,
      vignette: 0,
      bgColor: '#ffffff',
      bgAlign: 'top-left',
      length: 6,
      animationSpeed: 1,
      shadows: true,
      reflector: false,
      easing: true,
      rotateY: 0,
      tiltX: 0,
      panX: 0,
      rollZ: 0,
      zoom: 1,
      output: 'video',
    });
  });

  test('effect-dependent sweep defaults: hero-spin 540, reveal 180, 360 for the orbits', () => {
    const sweep = (effect: string, sweepAngle?: number) =>
      planRender(parseRenderSettings({ effect, sweepAngle }), '/m.glb', '/w').camera.sweepDegrees;
    assert.equal(sweep('hero-spin'), 540);
    assert.equal(sweep('reveal'), 180);
    assert.equal(sweep('turntable'), 360);
    assert.equal(sweep('zoom-orbit'), 360);
    assert.equal(sweep('hero-spin', 720), 720);
  });

  test('4k and pro are 2160 on the short side; pro encodes ProRes 4444', () => {
    assert.deepEqual(frameSize('4k', '16:9'), { width: 3840, height: 2160 });
    assert.deepEqual(frameSize('pro', '1:1'), { width: 2160, height: 2160 });
    assert.deepEqual(frameSize('4k', '9:16'), { width: 2160, height: 3840 });
    assert.equal(planRender(parseRenderSettings({ quality: 'pro' }), '/m.glb', '/w').encoding, 'prores4444');
    assert.equal(planRender(parseRenderSettings({ quality: '4k' }), '/m.glb', '/w').encoding, 'h264');
  });

  test('new fields are range-checked with their names', () => {
    for (const [input, field] of [
      [{ effect: 'spin' }, 'effect'],
      [{ sweepAngle: 5 }, 'sweepAngle'],
      [{ easeOutRatio: 1.5 }, 'easeOutRatio'],
      [{ amplitude: 200 }, 'amplitude'],
      [{ zoomStart: 0 }, 'zoomStart'],
      [{ zoomEnd: 4 }, 'zoomEnd'],
      [{ scaleFrom: -0.1 }, 'scaleFrom'],
      [{ vignette: 2 }, 'vignette'],
      [{ bgAlign: 'middle' }, 'bgAlign'],
      [{ bgImageId: 7 }, 'bgImageId'],
      [{ foregroundIds: ['a', 'b', 'c', 'd', 'e'] }, 'foregroundIds'],
      [{ animation: '' }, 'animation'],
      [{ animationSpeed: 0 }, 'animationSpeed'],
      [{ tiltX: 91 }, 'tiltX'],
      [{ panX: 10.5 }, 'panX'],
      [{ rollZ: -181 }, 'rollZ'],
    ] as const) {
      const error = settingsError(input);
      assert.equal(error.code, 'invalid_settings');
      assert.match(error.message, new RegExp(field), JSON.stringify(input));
    }
  });

  test('renders that differ only in background share a pass key; anything else does not', async () => {
    const { passKey } = await import('../src/settings/render-settings.js');
    const base = parseRenderSettings({ quality: 'standard', effect: 'hero-spin' });
    const key = passKey(base);
    assert.equal(passKey(parseRenderSettings({ quality: 'standard', effect: 'hero-spin', bgColor: '#000000', vignette: 0.5 })), key);
    assert.equal(passKey(parseRenderSettings({ quality: 'standard', effect: 'hero-spin', bgImageId: 'ovl_1', bgAlign: 'center', foregroundIds: ['ovl_2'] })), key);
    // templateId only records where resolved settings came from.
    assert.equal(passKey(parseRenderSettings({ quality: 'standard', effect: 'hero-spin', templateId: 'dark-hero' })), key);
    assert.notEqual(passKey(parseRenderSettings({ quality: 'standard', effect: 'hero-spin', tiltX: 10 })), key);
    assert.notEqual(passKey(parseRenderSettings({ quality: 'share', effect: 'hero-spin' })), key);
  });

  test('pixel sizes per tier and aspect are even and keep the short side', () => {
    assert.deepEqual(frameSize('share', '16:9'), { width: 960, height: 540 });
    assert.deepEqual(frameSize('share', '1:1'), { width: 540, height: 540 });
    assert.deepEqual(frameSize('share', '9:16'), { width: 540, height: 960 });
    assert.deepEqual(frameSize('standard', '16:9'), { width: 1920, height: 1080 });
    assert.deepEqual(frameSize('standard', '1:1'), { width: 1080, height: 1080 });
    assert.deepEqual(frameSize('standard', '9:16'), { width: 1080, height: 1920 });
  });

  test('length becomes frames at 30 fps, decimals allowed', () => {
    assert.equal(planRender(parseRenderSettings({ length: 9 }), 'm.glb', '/tmp').frameCount, 270);
    assert.equal(planRender(parseRenderSettings({ length: 3.5 }), 'm.glb', '/tmp').frameCount, 105);
  });

  test('bgColor is normalised to lower case', () => {
    assert.equal(parseRenderSettings({ bgColor: '#AABBCC' }).bgColor, '#aabbcc');
  });

  const rejected: [string, unknown, RegExp][] = [
    ['length above range', { length: 45 }, /length must be from 3 to 30 seconds/],
    ['length below range', { length: 2.9 }, /length must be from 3 to 30 seconds/],
    ['length of the wrong type', { length: '6' }, /length must be a number from 3 to 30/],
    ['zoom out of range', { zoom: 2.5 }, /zoom must be from 0.5 to 2/],
    ['rotateY not an integer', { rotateY: 10.5 }, /rotateY must be a whole number from -180 to 180/],
    ['rotateY out of range', { rotateY: 181 }, /rotateY must be from -180 to 180/],
    ['unknown quality', { quality: 'ultra' }, /quality must be one of: share, standard/],
    ['unknown aspect', { aspect: '4:3' }, /aspect must be one of: 16:9, 1:1, 9:16/],
    ['short hex colour', { bgColor: '#fff' }, /bgColor must be a 6-digit hex colour/],
    ['named colour', { bgColor: 'red' }, /bgColor must be a 6-digit hex colour/],
    ['boolean as string', { shadows: 'yes' }, /shadows must be true or false/],
    ['unknown field', { colour: '#ffffff' }, /unknown field colour \(allowed: quality, aspect/],
    ['not an object', [1, 2], /renderSettings must be a JSON object/],
  ];
  testSettingsRejections(rejected);

  test('reports every offending field at once', () => {
    const error = settingsError({ length: 100, zoom: 0, bgColor: 'blue' });
    assert.match(error.message, /length/);
    assert.match(error.message, /zoom/);
    assert.match(error.message, /bgColor/);
  });
});

describe('effect "dataset" (the hosted API\'s spelling) is output "dataset"', () => {
  test('parsed exactly like output "dataset": default tier, datasetQuality and coverage allowed, the effect left at its default', () => {
    assert.deepEqual(parseRenderSettings({ effect: 'dataset' }), parseRenderSettings({ output: 'dataset' }));
    assert.deepEqual(parseRenderSettings({ effect: 'dataset' }).datasetQuality, '100x800');
    assert.deepEqual(
      parseRenderSettings({ effect: 'dataset', output: 'dataset', datasetQuality: '400x2048', coverage: 'sphere' }),
      parseRenderSettings({ output: 'dataset', datasetQuality: '400x2048', coverage: 'sphere' }),
    );
    assert.equal(parseRenderSettings({ effect: 'dataset' }).effect, 'turntable');
  });

  testSettingsRejections([
    ['effect "dataset" with output "video"', { effect: 'dataset', output: 'video' }, /effect "dataset" renders a dataset; it cannot be combined with output "video"/],
    ['effect "dataset" with an unknown output', { effect: 'dataset', output: 'film' }, /output must be one of: video, dataset/],
    ['an unknown effect (the message offers dataset too)', { effect: 'wobble' }, /effect must be one of: turntable, hero-spin, showcase, zoom-orbit, reveal, or dataset/],
  ]);
});
