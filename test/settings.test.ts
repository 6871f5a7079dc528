import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RenderbayError } from '../src/errors.js';
import { planRender } from '../src/render/render-plan.js';
import { frameSize, parseRenderSettings } from '../src/settings/render-settings.js';

function settingsError(input: unknown): RenderbayError {
  try {
    parseRenderSettings(input);
  } catch (error) {
    assert.ok(error instanceof RenderbayError);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('render settings schema', () => {
  test('fills every default from the reference', () => {
    assert.deepEqual(parseRenderSettings({}), {
      quality: 'share',
      aspect: '16:9',
      effect: 'turntable',
      bgColor: '#ffffff',
      length: 6,
      shadows: true,
      reflector: false,
      easing: true,
      rotateY: 0,
      zoom: 1,
      output: 'video',
    });
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
  for (const [name, input, message] of rejected) {
    test(`rejects ${name} with invalid_settings naming the field`, () => {
      const error = settingsError(input);
      assert.equal(error.code, 'invalid_settings');
      assert.equal(error.status, 400);
      assert.match(error.message, message);
    });
  }

  test('reports every offending field at once', () => {
    const error = settingsError({ length: 100, zoom: 0, bgColor: 'blue' });
    assert.match(error.message, /length/);
    assert.match(error.message, /zoom/);
    assert.match(error.message, /bgColor/);
  });
});
