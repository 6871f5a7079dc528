/**
 * A full render through the engine, worker, GL and ffmpeg, checked the way a user would:
 * stream facts with ffprobe, decoded frames, poster pixels.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderToDirectory, type RenderProgress } from '../src/render/render-engine.js';
import type { VideoRenderResult } from '../src/render/worker-protocol.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';
import { meanDifference, silhouette } from './helpers/image.js';
import { pixelAt, probe, readPng, readVideoFrame } from './helpers/media.js';

const FRAMES = 90; // 3 s at 30 fps
let outputDirectory: string;
let result: VideoRenderResult;
const progress: RenderProgress[] = [];

before(async () => {
  outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-video-'));
  const rendered = await renderToDirectory({
    modelPath: 'fixtures/generated/textured-cube.glb',
    settings: parseRenderSettings({ length: 3, bgColor: '#2a6f97' }),
    outputDirectory,
    onProgress: (update) => progress.push(update),
  });
  if (rendered.output !== 'video') throw new Error(`expected a video result, got ${rendered.output}`);
  result = rendered;
});
after(async () => {
  await rm(outputDirectory, { recursive: true, force: true });
});

describe('turntable video render (share, 16:9, 3 s)', () => {
  test('publishes exactly the five outputs and no partial files', async () => {
    assert.deepEqual((await readdir(outputDirectory)).sort(), ['poster-thumb.png', 'poster.png', 'thumb.mp4', 'video.mp4', 'web.mp4']);
    for (const file of Object.values(result.files)) assert.equal(path.dirname(file), outputDirectory);
    assert.equal(result.frameCount, FRAMES);
    assert.equal(result.durationSeconds, 3);
  });

  test('reports progress for every frame, in order', () => {
    const rendering = progress.filter((update) => update.stage === 'rendering');
    assert.equal(rendering.at(-1)?.framesDone, FRAMES);
    assert.ok(rendering.length >= FRAMES, `expected per-frame progress, got ${rendering.length} updates`);
    for (let index = 1; index < rendering.length; index++) assert.ok(rendering[index].framesDone >= rendering[index - 1].framesDone);
    assert.equal(progress[0].stage, 'loading');
  });

  for (const [output, width, height] of [
    ['video', 960, 540],
    ['web', 960, 540],
    ['thumb', 480, 270],
  ] as const) {
    test(`${output}.mp4 is H.264 yuv420p ${width}×${height}, BT.709, faststart, ${FRAMES} frames, 3.0 s`, async () => {
      const facts = await probe(result.files[output]);
      assert.equal(facts.codec, 'h264');
      assert.equal(facts.pixFmt, 'yuv420p');
      assert.equal(facts.width, width);
      assert.equal(facts.height, height);
      assert.equal(facts.frameCount, FRAMES);
      assert.ok(Math.abs(facts.durationSeconds - 3) < 0.05, `duration ${facts.durationSeconds}`);
      assert.equal(facts.colorSpace, 'bt709');
      assert.equal(facts.colorPrimaries, 'bt709');
      assert.equal(facts.colorTransfer, 'bt709');
      assert.equal(facts.hasFaststart, true);
    });
  }

  test('the web variant is clearly smaller than the full video', async () => {
    const [video, web] = await Promise.all([stat(result.files.video), stat(result.files.web)]);
    assert.ok(web.size < video.size * 0.7, `web ${web.size} B vs video ${video.size} B`);
  });

  test('poster.png is the full-resolution first frame with exact background corners', async () => {
    const poster = await readPng(result.files.poster);
    assert.equal(poster.width, 960);
    assert.equal(poster.height, 540);
    for (const [x, y] of [[0, 0], [959, 0], [0, 539], [959, 539]]) {
      assert.deepEqual(pixelAt(poster, x, y).slice(0, 3), [0x2a, 0x6f, 0x97], `corner ${x},${y}`);
    }
    const firstFrame = await readVideoFrame(result.files.video, 0);
    assert.ok(meanDifference(poster, firstFrame) < 2.5, 'poster matches the first video frame');
  });

  test('poster-thumb.png is a small preview with the same aspect', async () => {
    const thumb = await readPng(result.files.posterThumb);
    assert.equal(thumb.width, 480);
    assert.equal(thumb.height, 270);
  });

  test('the model is centred and the turntable turns a full circle', async () => {
    const first = await readVideoFrame(result.files.video, 0);
    const quarter = await readVideoFrame(result.files.video, Math.round((FRAMES - 1) / 4));
    const last = await readVideoFrame(result.files.video, FRAMES - 1);
    const shape = silhouette(first, [0x2a, 0x6f, 0x97], 40);
    assert.ok(Math.abs(shape.centreX - 0.5) < 0.05, `horizontal centre ${shape.centreX}`);
    assert.ok(meanDifference(first, quarter) > 4, 'a quarter turn changes the picture');
    assert.ok(meanDifference(first, last) < 1.5, 'a full turn ends where it started');
  });

  test('the video frames are not upside down: the model stands above its shadow', async () => {
    const first = await readVideoFrame(result.files.video, 0);
    const shape = silhouette(first, [0x2a, 0x6f, 0x97], 40);
    // The cube's top face is lit by the key light from above: brighter than its bottom rows.
    const topRow = first.data.subarray((shape.minY + 5) * first.width * 3, (shape.minY + 6) * first.width * 3);
    const bottomRow = first.data.subarray((shape.maxY - 5) * first.width * 3, (shape.maxY - 4) * first.width * 3);
    const brightness = (row: Buffer) => row.reduce((sum, value) => sum + value, 0);
    assert.ok(brightness(topRow) > brightness(bottomRow), 'top of the model is brighter than its base');
  });
});
