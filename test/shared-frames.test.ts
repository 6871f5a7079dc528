/**
 * Shared frames end to end in the worker: three renders that differ only in background
 * (a colour, an image with its anchor, a colour with vignette and a foreground logo) made
 * in one pass — every frame rendered once, composited per variant, encoded per variant —
 * give the same pixels as three separate renders.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderToDirectory } from '../src/render/render-engine.js';
import type { OverlayImage } from '../src/render/render-plan.js';
import type { VideoOutputs, VideoRenderResult } from '../src/render/worker-protocol.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { meanDifference } from './helpers/image.js';
import { probe, readPng, readVideoFrame } from './helpers/media.js';

const MODEL = 'fixtures/generated/textured-cube.glb';
const FRAMES = 12;
const overlays: Record<string, OverlayImage> = {
  quadrants: { path: path.resolve('fixtures/generated/overlay-quadrants-wide.png'), alignment: 'top-left' },
  logo: { path: path.resolve('fixtures/generated/overlay-logo-translucent.png'), alignment: 'bottom-right' },
};
const base: RenderSettingsInput = { quality: 'share', aspect: '16:9', length: 3, effect: 'hero-spin' };
const variants: RenderSettingsInput[] = [
  { ...base, bgColor: '#2050a0' },
  { ...base, bgImageId: 'quadrants', bgAlign: 'bottom-right' },
  { ...base, bgColor: '#f0e8d8', vignette: 0.7, foregroundIds: ['logo'] },
];

let root: string;
let shared: VideoRenderResult;
const separate: VideoOutputs[] = [];

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'renderbay-shared-frames-'));
  const variantSettings = variants.map((settings) => parseRenderSettings(settings));
  shared = (await renderToDirectory({
    modelPath: MODEL,
    settings: variantSettings[0],
    variantSettings,
    overlays,
    frameLimit: FRAMES,
    outputDirectory: path.join(root, 'shared'),
  })) as VideoRenderResult;
  for (const [index, settings] of variantSettings.entries()) {
    const result = await renderToDirectory({ modelPath: MODEL, settings, overlays, frameLimit: FRAMES, outputDirectory: path.join(root, `separate-${index}`) });
    separate.push(result.files as VideoOutputs);
  }
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('three background variants from one pass', () => {
  test('each variant is published in its own folder with every output', async () => {
    assert.equal(shared.variants.length, 3);
    for (const [index, { files }] of shared.variants.entries()) {
      assert.equal(path.dirname(files.video), path.join(root, 'shared', `variant-${index + 1}`));
      const video = await probe(files.video);
      assert.deepEqual([video.codec, video.width, video.height, video.frameCount], ['h264', 960, 540, FRAMES]);
    }
  });

  test('the posters match three separate renders to within one level per channel', async () => {
    // A pass of several variants resolves the supersampled frame once into an 8-bit
    // premultiplied target and composites from it; a single render resolves and
    // composites in one pass. The extra rounding moves edge pixels by at most one level.
    for (const [index, { files }] of shared.variants.entries()) {
      const [fromPass, alone] = await Promise.all([readPng(files.poster), readPng(separate[index].poster)]);
      let largest = 0;
      for (let offset = 0; offset < fromPass.data.length; offset++) largest = Math.max(largest, Math.abs(fromPass.data[offset] - alone.data[offset]));
      assert.ok(largest <= 1, `variant ${index + 1}: largest difference ${largest} levels`);
      assert.ok(meanDifference(fromPass, alone) < 0.05, `variant ${index + 1}: mean difference ${meanDifference(fromPass, alone).toFixed(3)}`);
    }
  });

  test('every checked video frame matches the separate render within a small tolerance', async () => {
    for (const [index, { files }] of shared.variants.entries()) {
      for (const frame of [0, FRAMES / 2, FRAMES - 1]) {
        const [fromPass, alone] = await Promise.all([readVideoFrame(files.video, frame), readVideoFrame(separate[index].video, frame)]);
        const difference = meanDifference(fromPass, alone);
        assert.ok(difference < 0.5, `variant ${index + 1} frame ${frame}: mean difference ${difference.toFixed(3)}`);
      }
    }
  });

  test('the variants really differ from each other (each got its own background)', async () => {
    const posters = await Promise.all(shared.variants.map(({ files }) => readPng(files.poster)));
    assert.ok(meanDifference(posters[0], posters[1]) > 20);
    assert.ok(meanDifference(posters[0], posters[2]) > 20);
    assert.ok(meanDifference(posters[1], posters[2]) > 20);
  });
});
