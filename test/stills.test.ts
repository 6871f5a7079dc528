/**
 * Stills (`output: "stills"`): the settings group and its bad input, pricing per image,
 * and real renders through the engine (worker, GL, sharp) read back with sharp: each
 * preset angle shows the expected side of the compass cube, sizes and formats are what
 * was asked, and a transparent still has alpha 0 in the background and partial alpha in
 * the soft shadow. Images are small so the file stays quick.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { priceOf } from '../src/credits/prices.js';
import { renderToDirectory } from '../src/render/render-engine.js';
import type { StillsRenderResult } from '../src/render/worker-protocol.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';
import { imagePixelSize, imageSizeTier, STILL_PRESETS } from '../src/settings/stills-settings.js';
import { COMPASS_COLOURS } from '../scripts/fixtures/valid-models.js';
import { cli } from './helpers/api-server.js';
import { colourDistance, meanColour, type RawImage } from './helpers/media.js';
import { testSettingsRejections } from './helpers/settings.js';

const COMPASS = 'fixtures/generated/compass-cube.glb';

let outputRoot: string;
before(async () => {
  outputRoot = await mkdtemp(path.join(os.tmpdir(), 'renderbay-stills-'));
});
after(async () => {
  await rm(outputRoot, { recursive: true, force: true });
});

async function render(name: string, settings: Record<string, unknown>): Promise<StillsRenderResult> {
  const result = await renderToDirectory({ modelPath: COMPASS, settings: parseRenderSettings({ output: 'stills', ...settings }), outputDirectory: path.join(outputRoot, name) });
  assert.equal(result.output, 'stills');
  return result as StillsRenderResult;
}

async function decode(file: string): Promise<RawImage & { format: string; hasAlpha: boolean }> {
  const metadata = await sharp(file).metadata();
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 4, data, format: metadata.format!, hasAlpha: metadata.hasAlpha === true };
}

/**
 * Which compass side a colour is: the face whose hue is nearest (the cube is lit, so
 * shading and the white of the light are removed first: the grey part of each colour).
 */
function side(colour: number[]): string {
  const chroma = (rgb: readonly number[]) => {
    const grey = Math.min(...rgb);
    const rest = rgb.map((value) => value - grey);
    const length = Math.hypot(...rest) || 1;
    return rest.map((value) => value / length);
  };
  const seen = chroma(colour.slice(0, 3));
  let best = 'grey';
  let bestScore = 0.8;
  for (const [name, face] of Object.entries(COMPASS_COLOURS)) {
    if (name === 'bottom') continue;
    const score = chroma(face).reduce((sum, value, index) => sum + value * seen[index], 0);
    if (score > bestScore) [best, bestScore] = [name, score];
  }
  return best;
}

/** Mean colour of a patch around a point given in shares of the image's width and height. */
const patch = (image: RawImage, x: number, y: number) => meanColour(image, Math.round(x * image.width) - 3, Math.round(y * image.height) - 3, 6, 6);

describe('stills settings', () => {
  test('output "stills" defaults to the four named angles, 1080p, PNG, opaque; videos carry no stills fields', () => {
    const settings = parseRenderSettings({ output: 'stills' });
    assert.deepEqual(settings.stills, ['front', 'three-quarter', 'side', 'back']);
    assert.equal(settings.imageSize, '1080p');
    assert.equal(settings.imageFormat, 'png');
    assert.equal(settings.transparent, false);
    const video = parseRenderSettings({});
    assert.equal('stills' in video || 'imageSize' in video || 'transparent' in video, false);
  });

  test('image sizes: tiers set the long side, aspect the shape; WxH is taken as given', () => {
    assert.deepEqual(imagePixelSize('720p', '16:9'), { width: 1280, height: 720 });
    assert.deepEqual(imagePixelSize('1080p', '9:16'), { width: 1080, height: 1920 });
    assert.deepEqual(imagePixelSize('2k', '16:9'), { width: 2560, height: 1440 });
    assert.deepEqual(imagePixelSize('4k', '1:1'), { width: 3840, height: 3840 });
    assert.deepEqual(imagePixelSize('300x4096', '16:9'), { width: 300, height: 4096 });
  });

  test('price per image by size tier; a custom size is billed as the smallest tier covering its long side', () => {
    const price = (input: Record<string, unknown>) => priceOf(parseRenderSettings({ output: 'stills', ...input }));
    assert.deepEqual(price({}), { item: 'stills-1080p', credits: 4, images: 4 });
    assert.deepEqual(price({ imageSize: '4k', stills: ['top'] }), { item: 'stills-4k', credits: 4, images: 1 });
    assert.deepEqual(price({ imageSize: '2k', stills: ['front', 'back'] }), { item: 'stills-2k', credits: 4, images: 2 });
    assert.equal(imageSizeTier('1280x64'), '720p');
    assert.equal(imageSizeTier('1281x64'), '1080p');
    assert.equal(imageSizeTier('2000x2560'), '2k');
    assert.equal(imageSizeTier('4096x100'), '4k');
  });

  testSettingsRejections([
    ['an unknown still name, listing the valid ones', { output: 'stills', stills: ['front', 'left-ish'] }, /unknown still "left-ish".*front, three-quarter, side, back, top, three-quarter-high/],
    ['an image size below the range', { output: 'stills', imageSize: '63x100' }, /imageSize must be one of 720p, 1080p, 2k, 4k or "WIDTHxHEIGHT" with each side from 64 to 4096/],
    ['an image size above the range', { output: 'stills', imageSize: '4097x100' }, /imageSize .* from 64 to 4096/],
    ['an image size that is no size', { output: 'stills', imageSize: '8k' }, /imageSize/],
    ['transparent with jpeg', { output: 'stills', transparent: true, imageFormat: 'jpeg' }, /transparent needs an image format with alpha \(png, webp, avif\), not jpeg/],
    ['an unknown image format', { output: 'stills', imageFormat: 'gif' }, /imageFormat must be one of: png, jpeg, webp, avif/],
    ['a still field on a video', { stills: ['front'] }, /stills requires output "stills"/],
    ['repeated still names', { output: 'stills', stills: ['side', { name: 'side', azimuth: 10, elevation: 0 }] }, /unique \(repeated: side\)/],
    ['a custom still with a name that is no file name', { output: 'stills', stills: [{ name: '../x', azimuth: 0, elevation: 0 }] }, /still name/],
    ['an elevation past the pole', { output: 'stills', stills: [{ name: 'under', azimuth: 0, elevation: -91 }] }, /elevation/],
  ]);
});

describe('stills renders', () => {
  test('each preset angle shows the expected side of the compass cube, at the asked size, from one worker pass', async () => {
    const presets = Object.keys(STILL_PRESETS);
    const result = await render('presets', { stills: presets, imageSize: '160x120' });
    assert.deepEqual(
      result.stills.map((still) => still.name),
      presets,
    );
    assert.equal(result.frameCount, presets.length);
    const images = Object.fromEntries(await Promise.all(presets.map(async (name) => [name, await decode(path.join(outputRoot, 'presets', 'stills', `${name}.png`))] as const)));
    for (const image of Object.values(images)) {
      assert.equal(image.format, 'png');
      assert.deepEqual([image.width, image.height], [160, 120]);
      assert.equal(image.hasAlpha, false);
    }
    assert.equal(side(patch(images.front, 0.5, 0.5)), 'front');
    assert.equal(side(patch(images.side, 0.5, 0.5)), 'right', 'side looks at the +X face');
    assert.equal(side(patch(images.back, 0.5, 0.5)), 'back');
    assert.equal(side(patch(images.top, 0.5, 0.5)), 'top');
    // Three-quarter: the front on the left of the centre, the right side on its right, the top above.
    const threeQuarter = images['three-quarter'];
    assert.equal(side(patch(threeQuarter, 0.42, 0.58)), 'front');
    assert.equal(side(patch(threeQuarter, 0.58, 0.58)), 'right');
    const high = images['three-quarter-high'];
    assert.equal(side(patch(high, 0.5, 0.4)), 'top', 'three-quarter-high looks down on the top');
    assert.equal(side(patch(high, 0.42, 0.66)), 'front');
    assert.equal(side(patch(high, 0.58, 0.66)), 'right');
    // The background is the default white; the poster is the first still.
    assert.ok(colourDistance(patch(images.front, 0.04, 0.06), [255, 255, 255]) < 3);
    const poster = await decode(result.files.poster);
    assert.deepEqual(poster.data, images.front.data);
  });

  test('transparent WebP: alpha 0 in the background, partial in the soft shadow, opaque on the model; rotateY turns every angle', async () => {
    const result = await render('transparent', { stills: ['front', { name: 'low-right', azimuth: 80, elevation: 5 }], imageSize: '200x150', imageFormat: 'webp', transparent: true, rotateY: 10 });
    assert.deepEqual(
      (await readdir(path.join(outputRoot, 'transparent', 'stills'))).sort(),
      ['front.webp', 'low-right.webp'],
    );
    const front = await decode(result.files['still:front']);
    assert.equal(front.format, 'webp');
    assert.equal(front.hasAlpha, true);
    assert.deepEqual([front.width, front.height], [200, 150]);
    const alpha = (x: number, y: number) => front.data[(y * front.width + x) * 4 + 3];
    assert.equal(alpha(3, 3), 0, 'background corner');
    assert.equal(alpha(front.width - 4, 4), 0);
    assert.ok(alpha(100, 75) > 250, 'the model is opaque');
    // Below the cube, on the floor: the contact shadow fades out as partial alpha.
    let partial = 0;
    for (let y = 0; y < front.height; y++) {
      for (let x = 0; x < front.width; x++) {
        const value = alpha(x, y);
        if (value > 8 && value < 200 && y > front.height * 0.75) partial++;
      }
    }
    assert.ok(partial > 100, `soft shadow pixels with partial alpha: ${partial}`);
    // rotateY 10 + azimuth 80: looking straight at the +X side.
    const lowRight = await decode(result.files['still:low-right']);
    assert.equal(side(patch(lowRight, 0.5, 0.5)), 'right');
  });

  test("a low sun's long shadow is whole: seen from above it reaches its full length, not cut off by the bake's light-view depth", async () => {
    // golden-hour's sun is 18° high (the lowest preset): a cube's shadow reaches about 3 of its
    // widths beyond it. The bake once cut it at a fixed depth, about 1.6 widths from the centre.
    const result = await render('long-shadow', { stills: ['top'], lighting: 'golden-hour', shadowIntensity: 1, fill: 0.3, zoom: 2, imageSize: '320x320', transparent: true });
    const top = await decode(result.files['still:top']);
    const alpha = (x: number, y: number) => top.data[(y * top.width + x) * 4 + 3];
    // Straight alpha: the shadow's pixels are black at partial or full alpha, the cube's coloured.
    const brightest = (x: number, y: number) => Math.max(...top.data.subarray((y * top.width + x) * 4, (y * top.width + x) * 4 + 3));
    let [minX, maxX, sumX, sumY, opaque] = [Infinity, -Infinity, 0, 0, 0];
    for (let y = 0; y < top.height; y++) {
      for (let x = 0; x < top.width; x++) {
        if (alpha(x, y) < 250 || brightest(x, y) < 40) continue;
        [minX, maxX, sumX, sumY, opaque] = [Math.min(minX, x), Math.max(maxX, x), sumX + x, sumY + y, opaque + 1];
      }
    }
    assert.ok(opaque > 200, `the cube seen from above: ${opaque} opaque pixels`);
    const [centreX, centreY, width] = [sumX / opaque, sumY / opaque, maxX - minX + 1];
    let reach = 0;
    for (let y = 0; y < top.height; y++) {
      for (let x = 0; x < top.width; x++) {
        if (alpha(x, y) > 24 && brightest(x, y) < 20) reach = Math.max(reach, Math.hypot(x - centreX, y - centreY));
      }
    }
    assert.ok(reach / width > 2.4, `the shadow reaches ${(reach / width).toFixed(2)} cube widths from the cube's centre (full length ≈ 3)`);
  });

  test('JPEG and AVIF decode with their format and size', async () => {
    // Two small renders side by side (two workers), to keep the file quick.
    const [jpeg, avif] = await Promise.all([
      render('jpeg', { stills: ['three-quarter'], imageSize: '96x64', imageFormat: 'jpeg', bgColor: '#000000' }),
      render('avif', { stills: ['back'], imageSize: '64x80', imageFormat: 'avif' }),
    ]);
    const jpegImage = await decode(jpeg.files['still:three-quarter']);
    assert.equal(jpegImage.format, 'jpeg');
    assert.deepEqual([jpegImage.width, jpegImage.height], [96, 64]);
    assert.ok(colourDistance(patch(jpegImage, 0.05, 0.08), [0, 0, 0]) < 12, 'bgColor applies to opaque stills');
    const avifImage = await decode(avif.files['still:back']);
    assert.equal(avifImage.format, 'heif');
    assert.deepEqual([avifImage.width, avifImage.height], [64, 80]);
    assert.equal(side(patch(avifImage, 0.5, 0.5)), 'back');
  });

  test('CLI: a bare --stills renders the default four into stills/ of the out directory', async () => {
    const out = path.join(outputRoot, 'cli');
    const summary = JSON.parse(await cli('render', COMPASS, '--stills', '--image-size', '80x64', '--image-format', 'webp', '--out', out, '--json'));
    assert.equal(summary.output, 'stills');
    assert.deepEqual(
      summary.stills.map((still: { name: string }) => still.name),
      ['front', 'three-quarter', 'side', 'back'],
    );
    assert.deepEqual((await readdir(path.join(out, 'stills'))).sort(), ['back.webp', 'front.webp', 'side.webp', 'three-quarter.webp']);
    const { width, height, format } = await sharp(path.join(out, 'stills', 'side.webp')).metadata();
    assert.deepEqual([format, width, height], ['webp', 80, 64]);
  });
});
