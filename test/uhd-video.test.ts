/** The 4k tier end to end: 3840×2160 H.264 (a 7680×4320 supersampled scene), two frames via frameLimit. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { renderToDirectory } from '../src/render/render-engine.js';
import type { VideoRenderResult } from '../src/render/worker-protocol.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';
import { colourDistance, hexColour, meanColour, probe, readVideoFrame } from './helpers/media.js';

const FRAMES = 2;
let outputDirectory: string;
let result: VideoRenderResult;

before(async () => {
  outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-4k-'));
  const rendered = await renderToDirectory({
    modelPath: 'fixtures/generated/textured-cube.glb',
    settings: parseRenderSettings({ quality: '4k', bgColor: '#2a6f97' }),
    outputDirectory,
    frameLimit: FRAMES,
  });
  if (rendered.output !== 'video') throw new Error(`expected a video result, got ${rendered.output}`);
  result = rendered;
});
after(async () => {
  await rm(outputDirectory, { recursive: true, force: true });
});

test('4k: video.mp4 and web.mp4 are 3840×2160 H.264, thumb.mp4 1920×1080', async () => {
  assert.deepEqual((await readdir(outputDirectory)).sort(), ['poster-thumb.png', 'poster.png', 'thumb.mp4', 'video.mp4', 'web.mp4']);
  for (const [output, width, height] of [['video', 3840, 2160], ['web', 3840, 2160], ['thumb', 1920, 1080]] as const) {
    const facts = await probe(result.files[output]);
    assert.deepEqual([facts.codec, facts.pixFmt, facts.width, facts.height, facts.frameCount], ['h264', 'yuv420p', width, height, FRAMES], output);
  }
  assert.deepEqual([result.width, result.height], [3840, 2160]);
});

test('4k: the decoded frame shows the background and the model', async () => {
  const frame = await readVideoFrame(result.files.video, 0);
  assert.ok(colourDistance(meanColour(frame, 100, 100, 32, 32), hexColour('#2a6f97')) <= 6);
  assert.ok(colourDistance(meanColour(frame, 1904, 1064, 32, 32), hexColour('#2a6f97')) > 20, 'the model covers the centre');
});
