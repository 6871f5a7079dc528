/**
 * Lighting on rendered pixels (small frames): presets differ in colour temperature and
 * brightness, the cast shadow follows the key light, an environment alone has no key
 * light, tone mappings differ, the skybox fills the background, an uploaded-style HDR
 * file lights the model; and the settings rules between lighting fields.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureDisplay } from '../renderer/display.js';
import { Studio } from '../renderer/studio.js';
import { planRender } from '../src/render/render-plan.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { readEnvironmentHeader } from '../src/environments/environment-header.js';
import { hdrDeclaring, uniformHdr } from './helpers/hdr.js';
import { CLI } from './helpers/mcp.js';
import type { RawImage } from './helpers/media.js';
import { topDown } from './helpers/studio.js';

const CUBE = 'fixtures/generated/textured-cube.glb';
const SUZANNE = 'fixtures/sample/Suzanne.glb';
const SIZE = 192;

/** Frame 0 at SIZE × SIZE (the plan's frame size overridden: small frames keep the test quick). */
async function still(model: string, settings: RenderSettingsInput, environments: Record<string, string> = {}): Promise<RawImage> {
  process.env.DISPLAY = await ensureDisplay();
  const plan = planRender(parseRenderSettings({ aspect: '1:1', ...settings }), model, '/nonexistent', { environments });
  plan.width = SIZE;
  plan.height = SIZE;
  const studio = await Studio.open(plan);
  try {
    return topDown(studio.frame(0), plan.width, plan.height);
  } finally {
    studio.dispose();
  }
}

const luminance = (data: Buffer, offset: number) => 0.2126 * data[offset] + 0.7152 * data[offset + 1] + 0.0722 * data[offset + 2];

/** Mean colour of the pixels that are not the white background. */
function modelColour(image: RawImage): { r: number; g: number; b: number; luminance: number; count: number } {
  let r = 0;
  let g = 0;
  let b = 0;
  let count = 0;
  for (let offset = 0; offset < image.data.length; offset += 4) {
    if (image.data[offset] > 250 && image.data[offset + 1] > 250 && image.data[offset + 2] > 250) continue;
    r += image.data[offset];
    g += image.data[offset + 1];
    b += image.data[offset + 2];
    count++;
  }
  return { r: r / count, g: g / count, b: b / count, luminance: (0.2126 * r + 0.7152 * g + 0.0722 * b) / count, count };
}

/** Centroid (x) and size of the pixels darker in `shadowed` than in `clear` by more than 6 levels. */
function darkenedCentroid(shadowed: RawImage, clear: RawImage): { x: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let pixel = 0; pixel < SIZE * SIZE; pixel++) {
    if (luminance(clear.data, pixel * 4) - luminance(shadowed.data, pixel * 4) <= 6) continue;
    sum += pixel % SIZE;
    count++;
  }
  return { x: sum / count, count };
}

describe('lighting', () => {
  test('presets differ measurably: golden hour is warmer than overcast, night darker than noon', async () => {
    const golden = modelColour(await still(CUBE, { lighting: 'golden-hour', shadows: false }));
    const overcast = modelColour(await still(CUBE, { lighting: 'overcast', shadows: false }));
    const night = modelColour(await still(CUBE, { lighting: 'night', shadows: false }));
    const noon = modelColour(await still(CUBE, { lighting: 'outdoor-noon', shadows: false }));
    const warmth = (c: { r: number; b: number }) => c.r / c.b;
    assert.ok(warmth(golden) > warmth(overcast) * 1.15, `red/blue golden ${warmth(golden).toFixed(2)} vs overcast ${warmth(overcast).toFixed(2)}`);
    assert.ok(noon.luminance > night.luminance * 1.3, `luminance noon ${noon.luminance.toFixed(1)} vs night ${night.luminance.toFixed(1)}`);
  });

  test('the cast shadow falls away from the key light and moves with it', async () => {
    // golden-hour's sun is at the model's right (+X), studio-soft's key at its left.
    const shadowFrom = async (lighting: 'golden-hour' | 'studio-soft') => {
      const [shadowed, clear] = await Promise.all([
        still(SUZANNE, { lighting, shadowIntensity: 1 }),
        still(SUZANNE, { lighting, shadowIntensity: 0 }),
      ]);
      return darkenedCentroid(shadowed, clear);
    };
    const fromRight = await shadowFrom('golden-hour');
    const fromLeft = await shadowFrom('studio-soft');
    assert.ok(fromRight.count > 200 && fromLeft.count > 200, `shadow pixels ${fromRight.count}, ${fromLeft.count}`);
    assert.ok(fromRight.x < SIZE / 2, `a light from the right casts the shadow left (centroid x ${fromRight.x.toFixed(1)})`);
    assert.ok(fromLeft.x > SIZE / 2, `a light from the left casts it right (centroid x ${fromLeft.x.toFixed(1)})`);
    assert.ok(fromLeft.x - fromRight.x > SIZE * 0.1, 'the shadow centroid shifts with the light');
  });

  test('shadows: false removes the cast shadow too', async () => {
    const [off, clear] = await Promise.all([still(SUZANNE, { lighting: 'golden-hour', shadows: false }), still(SUZANNE, { lighting: 'golden-hour', shadows: false, shadowIntensity: 0 })]);
    assert.equal(darkenedCentroid(off, clear).count, 0);
  });

  test('an environment image alone lights the scene: no key light', async () => {
    const settings = parseRenderSettings({ environmentImage: 'studio' });
    assert.equal(planRender(settings, CUBE, '/nonexistent').lighting.keyLight, null);
    // With the environment turned off nothing lights the model; the default look keeps its key light.
    const dark = modelColour(await still(CUBE, { environmentImage: 'studio', environmentIntensity: 0, shadows: false }));
    const keyLit = modelColour(await still(CUBE, { environmentIntensity: 0, shadows: false }));
    assert.ok(dark.luminance < 8, `environment at 0 and no key light: luminance ${dark.luminance.toFixed(1)}`);
    assert.ok(keyLit.luminance > 20, `the default key light still lights it: ${keyLit.luminance.toFixed(1)}`);
  });

  test('tone mappings differ', async () => {
    const images = await Promise.all((['aces', 'neutral', 'agx', 'linear'] as const).map((toneMapping) => still(CUBE, { environmentImage: 'sunset', toneMapping, shadows: false })));
    const means = images.map((image) => modelColour(image));
    for (let a = 0; a < means.length; a++) {
      for (let b = a + 1; b < means.length; b++) {
        const distance = Math.hypot(means[a].r - means[b].r, means[a].g - means[b].g, means[a].b - means[b].b);
        assert.ok(distance > 2, `tone mappings ${a} and ${b} differ by ${distance.toFixed(2)}`);
      }
    }
  });

  test('skybox shows the environment in the background pixels, blurred with skyboxBlur', async () => {
    const plain = await still(CUBE, { environmentImage: 'sunset', bgColor: '#ffffff' });
    const sky = await still(CUBE, { environmentImage: 'sunset', skybox: true, bgColor: '#ffffff' });
    const blurred = await still(CUBE, { environmentImage: 'sunset', skybox: true, skyboxBlur: 1, bgColor: '#ffffff' });
    const corner = (image: RawImage) => Array.from(image.data.subarray(0, 3));
    assert.deepEqual(corner(plain), [255, 255, 255]);
    assert.notDeepEqual(corner(sky), [255, 255, 255], 'the skybox replaces the background colour');
    // Row 0 varies along a sharp panorama; blurred it is smoother.
    const rowVariation = (image: RawImage) => {
      let total = 0;
      for (let x = 1; x < SIZE; x++) total += Math.abs(luminance(image.data, x * 4) - luminance(image.data, (x - 1) * 4));
      return total;
    };
    assert.ok(rowVariation(blurred) < rowVariation(sky), `variation sharp ${rowVariation(sky).toFixed(0)} vs blurred ${rowVariation(blurred).toFixed(0)}`);
  });

  describe('an HDR file', () => {
    let directory: string;
    before(async () => {
      directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-lighting-'));
    });
    after(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    test('environment headers: OpenEXR and Radiance sizes are read without decoding; other files are not environments', async () => {
      const module = (await import('@pmndrs/assets/hdri/studio.exr.js')) as { default: string };
      const exr = path.join(directory, 'studio.exr');
      await writeFile(exr, Buffer.from(module.default.slice(module.default.indexOf(',') + 1), 'base64'));
      const header = await readEnvironmentHeader(exr);
      assert.equal(header?.format, 'exr');
      assert.ok(header!.width === header!.height * 2, `an equirectangular panorama: ${header?.width}×${header?.height}`);
      const huge = path.join(directory, 'huge.hdr');
      await writeFile(huge, hdrDeclaring(60000, 30000));
      assert.deepEqual(await readEnvironmentHeader(huge), { format: 'hdr', width: 60000, height: 30000 });
      const png = path.join(directory, 'not.hdr');
      await writeFile(png, Buffer.from('\x89PNG\r\n\x1a\n'));
      assert.equal(await readEnvironmentHeader(png), null);
    });

    test('a red Radiance HDR environment lights the model red (RGBELoader, FloatType)', async () => {
      const file = path.join(directory, 'red.hdr');
      await writeFile(file, uniformHdr(64, 32, [2, 0.05, 0.05]));
      const lit = modelColour(await still(CUBE, { environmentImage: 'env-1', shadows: false }, { 'env-1': file }));
      assert.ok(lit.r > lit.g * 2 && lit.r > lit.b * 2 && lit.r > 30, `mean colour ${lit.r.toFixed(0)},${lit.g.toFixed(0)},${lit.b.toFixed(0)}`);
    });
  });

  test('settings: skybox conflicts with transparent output, skyboxBlur needs skybox, ranges and presets are checked', () => {
    assert.throws(() => parseRenderSettings({ skybox: true, quality: 'pro' }), /invalid_settings|transparent/);
    assert.throws(() => parseRenderSettings({ skyboxBlur: 0.5 }), /skyboxBlur requires skybox/);
    assert.throws(() => parseRenderSettings({ lighting: 'disco' }), /lighting must be one of: studio-soft, studio-contrast, golden-hour, overcast, night, outdoor-noon/);
    assert.throws(() => parseRenderSettings({ toneMapping: 'filmic' }), /toneMapping must be one of: aces, neutral, agx, linear/);
    assert.throws(() => parseRenderSettings({ exposure: 11 }), /exposure must be from 0 to 10/);
    assert.throws(() => planRender(parseRenderSettings({ environmentImage: 'moon' }), CUBE, '/nonexistent'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'environment_not_found');
      assert.match(error.message, /neutral, apartment/);
      return true;
    });
    // Without any lighting field the plan is today's look.
    const plain = planRender(parseRenderSettings({}), CUBE, '/nonexistent').lighting;
    assert.deepEqual(plain.environment, { kind: 'preset', name: 'neutral' });
    assert.equal(plain.castShadow, null);
    assert.equal(plain.toneMapping, 'aces');
  });

  test('CLI: the lighting flags reach the settings schema; --environment-image takes a local .hdr/.exr', async () => {
    const run = async (...args: string[]) => promisify(execFile)(process.execPath, [CLI, 'render', SUZANNE, ...args]).then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );
    assert.match(await run('--lighting', 'disco'), /invalid_settings: .*lighting must be one of: studio-soft/);
    assert.match(await run('--tone-mapping', 'filmic'), /toneMapping must be one of: aces, neutral, agx, linear/);
    assert.match(await run('--skybox', '--quality', 'pro'), /skybox .*transparent output/);
    assert.match(await run('--skybox-blur', '2', '--skybox'), /skyboxBlur must be from 0 to 1/);
    assert.match(await run('--environment-image', 'no-such-panorama.exr'), /file_not_found: No such environment file: no-such-panorama\.exr/);
    assert.match(await run('--environment-image', 'moon'), /environment_not_found: Environment moon not found/);
  });
});
