/**
 * The pro tier end to end (engine, worker, GL, two ffmpeg processes): a ProRes 4444
 * video.mov with the model on a transparent background, and H.264 web/thumb plus posters
 * on the variant's background colour. Two frames of the move (frameLimit) keep 4k quick.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderToDirectory } from '../src/render/render-engine.js';
import type { VideoRenderResult } from '../src/render/worker-protocol.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';
import { colourDistance, hexColour, meanColour, pixelAt, probe, readPng, readVideoFrame, type RawImage } from './helpers/media.js';

const FRAMES = 2;
const BACKGROUND = '#2a6f97';
let outputDirectory: string;
let result: VideoRenderResult;
let master: RawImage;

before(async () => {
  outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-pro-'));
  const rendered = await renderToDirectory({
    modelPath: 'fixtures/generated/textured-cube.glb',
    settings: parseRenderSettings({ quality: 'pro', bgColor: BACKGROUND, vignette: 0.5 }),
    outputDirectory,
    frameLimit: FRAMES,
  });
  if (rendered.output !== 'video') throw new Error(`expected a video result, got ${rendered.output}`);
  result = rendered;
  master = await readVideoFrame(result.files.video, 0, 'rgba');
});
after(async () => {
  await rm(outputDirectory, { recursive: true, force: true });
});

/** Alpha of every pixel, top-down. */
const alphaAt = (image: RawImage, x: number, y: number) => pixelAt(image, x, y)[3]!;

/** The bounding box of fully opaque pixels (the model itself). */
function opaqueBox(image: RawImage): { left: number; right: number; top: number; bottom: number } {
  const box = { left: image.width, right: -1, top: image.height, bottom: -1 };
  for (let y = 0; y < image.height; y += 2) {
    for (let x = 0; x < image.width; x += 2) {
      if (image.data[(y * image.width + x) * 4 + 3] === 255) {
        box.left = Math.min(box.left, x);
        box.right = Math.max(box.right, x);
        box.top = Math.min(box.top, y);
        box.bottom = Math.max(box.bottom, y);
      }
    }
  }
  return box;
}

describe('pro: ProRes 4444 with alpha, plus H.264 web and thumb on the background', () => {
  test('publishes video.mov, web.mp4, thumb.mp4 and the posters (no video.mp4)', async () => {
    assert.deepEqual((await readdir(outputDirectory)).sort(), ['poster-thumb.png', 'poster.png', 'thumb.mp4', 'video.mov', 'web.mp4']);
    assert.equal(path.basename(result.files.video), 'video.mov');
  });

  test('video.mov is ProRes 4444, yuva444p10le, 3840×2160, BT.709', async () => {
    const facts = await probe(result.files.video);
    assert.equal(facts.codec, 'prores');
    // Encoded from yuva444p10le; ffmpeg 4.1's ProRes decoder reports 4444 streams as 12-bit.
    assert.match(facts.pixFmt, /^yuva444p1[02]le$/);
    assert.equal(facts.width, 3840);
    assert.equal(facts.height, 2160);
    assert.equal(facts.frameCount, FRAMES);
    assert.equal(facts.colorSpace, 'bt709');
    assert.match(facts.formatName, /mov/);
  });

  test('the master is transparent around the model and opaque inside it', () => {
    for (const [x, y] of [[0, 0], [3839, 0], [0, 2159], [3839, 2159], [200, 1080], [3600, 1080]]) {
      assert.equal(alphaAt(master, x!, y!), 0, `background (${x}, ${y})`);
    }
    assert.equal(alphaAt(master, 1920, 1080), 255, 'the model at the centre');
    const box = opaqueBox(master);
    assert.ok(box.right - box.left > 500 && box.bottom - box.top > 500, `model box ${JSON.stringify(box)}`);
  });

  test('anti-aliased silhouette edges carry partial alpha', () => {
    const box = opaqueBox(master);
    let rows = 0;
    let softRows = 0;
    const middleTop = box.top + Math.round((box.bottom - box.top) * 0.3);
    const middleBottom = box.top + Math.round((box.bottom - box.top) * 0.6);
    for (let y = middleTop; y < middleBottom; y += 3) {
      let first = -1;
      for (let x = 0; x < master.width && first < 0; x++) if (alphaAt(master, x, y) === 255) first = x;
      if (first < 2) continue;
      rows++;
      const edge = [alphaAt(master, first - 1, y), alphaAt(master, first - 2, y)];
      if (edge.some((alpha) => alpha >= 10 && alpha <= 245)) softRows++;
    }
    assert.ok(rows > 50, `${rows} rows crossed the silhouette`);
    assert.ok(softRows / rows > 0.5, `${softRows} of ${rows} left edges have a partially covered pixel`);
  });

  test('the contact shadow under the model is partially transparent', () => {
    const box = opaqueBox(master);
    let partial = 0;
    for (let y = box.bottom + 4; y < Math.min(master.height, box.bottom + 300); y += 2) {
      for (let x = box.left; x <= box.right; x += 2) {
        const alpha = alphaAt(master, x, y);
        if (alpha >= 10 && alpha <= 245) partial++;
      }
    }
    assert.ok(partial > 2000, `${partial} partially transparent shadow samples below the model`);
  });

  test('web.mp4 and thumb.mp4 are H.264 with the background colour (and vignette) composited', async () => {
    const [web, thumb] = await Promise.all([probe(result.files.web), probe(result.files.thumb)]);
    assert.deepEqual([web.codec, web.width, web.height, web.frameCount], ['h264', 3840, 2160, FRAMES]);
    assert.deepEqual([thumb.codec, thumb.width, thumb.height], ['h264', 1920, 1080]);
    const frame = await readVideoFrame(result.files.web, 0);
    // Background left of the model, inside the vignette's untouched radius; the corners are darkened.
    assert.equal(alphaAt(master, 1020, 1080), 0, 'no model at the sample point');
    const plain = meanColour(frame, 1000, 1060, 40, 40);
    assert.ok(colourDistance(plain, hexColour(BACKGROUND)) <= 6, `background ${plain.map(Math.round)}`);
    const corner = meanColour(frame, 0, 0, 16, 16);
    assert.ok(corner[2]! < hexColour(BACKGROUND)[2] - 20, `vignetted corner ${corner.map(Math.round)}`);
  });

  test('poster.png is the background composite at full size', async () => {
    const poster = await readPng(result.files.poster);
    assert.deepEqual([poster.width, poster.height, poster.channels], [3840, 2160, 3]);
    assert.deepEqual(pixelAt(poster, 1020, 1080), hexColour(BACKGROUND));
  });
});
