/**
 * The video and poster sinks, end to end with the real ffmpeg: synthetic frames in, files
 * out, and every claim checked by probing and decoding what was written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RenderbayError } from '../src/errors.js';
import { VideoEncoder, type EncodedFiles } from '../renderer/sinks/video-encoder.js';
import { writePosters } from '../renderer/sinks/poster.js';
import {
  SyntheticFrames,
  colourDistance,
  meanColour,
  pixelAt,
  probe,
  readPng,
  readVideoFrame,
  type MediaProbe,
  type RawImage,
  type Rect,
} from './helpers/media.js';

const WIDTH = 960;
const HEIGHT = 540;
const FRAMES = 45;
/** Largest per-channel difference allowed between a flat input colour and its decoded value. */
const COLOUR_TOLERANCE = 6;

const clip = new SyntheticFrames(WIDTH, HEIGHT, FRAMES);
const { colours } = SyntheticFrames;
let workDirectory: string;
let files: EncodedFiles;
const probes: Partial<Record<keyof EncodedFiles, MediaProbe>> = {};

before(async () => {
  workDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-video-encoder-'));
  const encoder = VideoEncoder.start({ width: WIDTH, height: HEIGHT, fps: 30, directory: workDirectory });
  // One reused buffer, as the renderer's readPixels target is: writeFrame must have finished
  // with it before the next frame overwrites it.
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 4);
  for (let index = 0; index < FRAMES; index++) await encoder.writeFrame(clip.frame(index, pixels));
  ({ files } = await encoder.finish());
  for (const output of ['video', 'web', 'thumb'] as const) probes[output] = await probe(files[output]);
});

after(async () => {
  if (workDirectory) await rm(workDirectory, { recursive: true, force: true });
});

/** The centre part of a rectangle, scaled for an output of a different size; away from edges blurred by chroma subsampling. */
function inner(rect: Rect, scale = 1): Rect {
  const margin = 0.25;
  return {
    x: Math.round((rect.x + rect.width * margin) * scale),
    y: Math.round((rect.y + rect.height * margin) * scale),
    width: Math.max(1, Math.round(rect.width * (1 - 2 * margin) * scale)),
    height: Math.max(1, Math.round(rect.height * (1 - 2 * margin) * scale)),
  };
}

function assertColour(image: RawImage, rect: Rect, expected: readonly number[], what: string): void {
  const actual = meanColour(image, rect.x, rect.y, rect.width, rect.height);
  const distance = colourDistance(actual, expected);
  assert.ok(
    distance <= COLOUR_TOLERANCE,
    `${what}: expected ~${expected.join(',')}, got ${actual.map((value) => value.toFixed(1)).join(',')} (Δ ${distance.toFixed(1)})`,
  );
}

/** A flat patch of background: right of the marker, above the square's path. */
const backgroundPatch: Rect = { x: WIDTH / 2, y: 10, width: 100, height: 60 };

test('writes video.mp4, web.mp4 and thumb.mp4 as H.264 4:2:0 with exact size and frame count', () => {
  const expectedSizes = { video: [960, 540], web: [960, 540], thumb: [480, 270] } as const;
  for (const output of ['video', 'web', 'thumb'] as const) {
    assert.ok(existsSync(files[output]), `${output} exists`);
    const facts = probes[output]!;
    assert.equal(facts.codec, 'h264', output);
    assert.equal(facts.pixFmt, 'yuv420p', output);
    assert.deepEqual([facts.width, facts.height], expectedSizes[output], output);
    assert.equal(facts.frameCount, FRAMES, `${output} frame count`);
    assert.ok(Math.abs(facts.durationSeconds - FRAMES / 30) <= 0.05, `${output} lasts ${facts.durationSeconds} s`);
    assert.equal(facts.colorSpace, 'bt709', `${output} colour space`);
    assert.equal(facts.colorPrimaries, 'bt709', `${output} primaries`);
    assert.equal(facts.colorTransfer, 'bt709', `${output} transfer`);
    assert.ok(facts.hasFaststart, `${output} has its moov box before mdat`);
    assert.match(facts.formatName, /mp4/, output);
  }
});

test('web.mp4 is clearly smaller than video.mp4', () => {
  const video = probes.video!.sizeBytes;
  const web = probes.web!.sizeBytes;
  assert.ok(web < video * 0.5, `web.mp4 ${web} bytes vs video.mp4 ${video} bytes`);
});

test('decoded colours match the input and the image is upright', async () => {
  const first = await readVideoFrame(files.video, 0);
  assert.deepEqual([first.width, first.height], [WIDTH, HEIGHT]);
  assertColour(first, inner(clip.layout.marker), colours.marker, 'top-left marker');
  assertColour(first, backgroundPatch, colours.background, 'background');
  assertColour(first, inner(clip.squareAt(0)), colours.square, 'square in frame 0');
  // Upside down, the marker would sit bottom-left, over the noise band.
  const bottomLeft = meanColour(first, 10, HEIGHT - 40, 60, 30);
  assert.ok(colourDistance(bottomLeft, colours.marker) > 60, 'no marker in the bottom-left corner');

  // The square travels left to right, so the last frame is the last frame and in order.
  const last = await readVideoFrame(files.video, FRAMES - 1);
  assertColour(last, inner(clip.squareAt(FRAMES - 1)), colours.square, 'square in the last frame');
  assertColour(last, inner(clip.squareAt(0)), colours.background, 'start of the path in the last frame');
});

test('web.mp4 and thumb.mp4 carry the same picture', async () => {
  const web = await readVideoFrame(files.web, 0);
  assertColour(web, inner(clip.layout.marker), colours.marker, 'web marker');
  assertColour(web, backgroundPatch, colours.background, 'web background');

  const thumb = await readVideoFrame(files.thumb, 0);
  assert.deepEqual([thumb.width, thumb.height], [480, 270]);
  assertColour(thumb, inner(clip.layout.marker, 0.5), colours.marker, 'thumb marker');
  assertColour(thumb, inner(backgroundPatch, 0.5), colours.background, 'thumb background');
  assertColour(thumb, inner(clip.squareAt(0), 0.5), colours.square, 'thumb square');
});

test('posters: exact full-size PNG, upright, and a thumb with a 480 px long side', async () => {
  const frame = clip.frame(0);
  const { poster, posterThumb } = await writePosters(frame, WIDTH, HEIGHT, workDirectory);
  const image = await readPng(poster);
  assert.deepEqual([image.width, image.height], [WIDTH, HEIGHT]);
  assert.ok(image.channels === 3 || image.channels === 4);
  // Lossless: every corner equals the input (top-down y maps to bottom-up row height-1-y).
  for (const [x, y] of [[0, 0], [WIDTH - 1, 0], [0, HEIGHT - 1], [WIDTH - 1, HEIGHT - 1]] as const) {
    const start = ((HEIGHT - 1 - y) * WIDTH + x) * 4;
    assert.deepEqual(pixelAt(image, x, y).slice(0, 3), [...frame.subarray(start, start + 3)], `corner ${x},${y}`);
  }
  assert.deepEqual(pixelAt(image, 5, 5).slice(0, 3), colours.marker, 'marker top-left');
  assert.notDeepEqual(pixelAt(image, 5, HEIGHT - 6).slice(0, 3), colours.marker, 'no marker bottom-left');

  const thumb = await readPng(posterThumb);
  assert.equal(Math.max(thumb.width, thumb.height), 480);
  assert.equal(thumb.width, 480);
  assert.equal(thumb.height, 270);
  assertColour(thumb, inner(clip.layout.marker, 0.5), colours.marker, 'poster thumb marker');
});

test('posters hold the frame as it was at the call, even if the caller overwrites the buffer at once', async () => {
  // The renderer reuses one readPixels buffer: frame 1 lands in it while frame 0's posters
  // are still being written. The poster must not pick that up.
  const frame = Uint8Array.from(clip.frame(0));
  const expected = Buffer.from(frame);
  const written = writePosters(frame, WIDTH, HEIGHT, path.join(workDirectory, 'reused-buffer'));
  frame.fill(0);
  const image = await readPng((await written).poster);
  let differing = 0;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const start = ((HEIGHT - 1 - y) * WIDTH + x) * 4;
      const pixel = pixelAt(image, x, y);
      if (pixel[0] !== expected[start] || pixel[1] !== expected[start + 1] || pixel[2] !== expected[start + 2]) differing++;
    }
  }
  assert.equal(differing, 0, `${differing} poster pixels do not match the frame given`);
});

test('an odd or non-positive size is refused with invalid_settings before ffmpeg starts', () => {
  for (const [width, height] of [[961, 540], [960, 541], [0, 540], [960, -2], [960.5, 540]]) {
    assert.throws(
      () => VideoEncoder.start({ width: width!, height: height!, fps: 30, directory: workDirectory }),
      (error: unknown) => error instanceof RenderbayError && error.code === 'invalid_settings',
      `${width}×${height}`,
    );
  }
});

test('a frame of the wrong size is refused', async () => {
  const encoder = VideoEncoder.start({ width: 64, height: 64, directory: path.join(workDirectory, 'wrong-size') });
  try {
    await assert.rejects(encoder.writeFrame(new Uint8Array(10)), { code: 'invalid_frame' });
  } finally {
    encoder.abort();
  }
});

test('abort mid-stream makes writeFrame and finish reject with encode_failed', async () => {
  const encoder = VideoEncoder.start({ width: WIDTH, height: HEIGHT, directory: path.join(workDirectory, 'aborted') });
  await encoder.writeFrame(clip.frame(0));
  const pending = encoder.writeFrame(clip.frame(1));
  encoder.abort();
  encoder.abort(); // twice is harmless
  await assert.rejects(pending.then(() => encoder.writeFrame(clip.frame(2))), { code: 'encode_failed' });
  await assert.rejects(encoder.writeFrame(clip.frame(3)), { code: 'encode_failed' });
  await assert.rejects(encoder.finish(), { code: 'encode_failed' });
});

test('ffmpeg killed from outside: writeFrame rejects with encode_failed instead of hanging or crashing', async () => {
  const encoder = VideoEncoder.start({ width: WIDTH, height: HEIGHT, directory: path.join(workDirectory, 'killed') });
  await encoder.writeFrame(clip.frame(0));
  assert.ok(encoder.pid, 'ffmpeg has a pid');
  process.kill(encoder.pid, 'SIGKILL');
  let failure: unknown;
  try {
    // Keep feeding as the renderer would: the pipe breaks (EPIPE) within a frame or two.
    for (let index = 1; index < FRAMES; index++) await encoder.writeFrame(clip.frame(index));
  } catch (error) {
    failure = error;
  }
  assert.ok(failure instanceof RenderbayError, `writeFrame rejected (${String(failure)})`);
  assert.equal(failure.code, 'encode_failed');
  assert.equal(failure.status, 500);
  assert.match(failure.message, /SIGKILL/);
  await assert.rejects(encoder.finish(), { code: 'encode_failed' });
});

test('ffmpeg failing at start reports its own stderr', async () => {
  // A directory where the output file should be makes ffmpeg fail to open its output.
  const directory = path.join(workDirectory, 'blocked');
  await mkdir(path.join(directory, 'video.mp4'), { recursive: true });
  const encoder = VideoEncoder.start({ width: 64, height: 64, directory });
  const frame = new Uint8Array(64 * 64 * 4).fill(255);
  const failure = await (async () => {
    try {
      for (let index = 0; index < 30; index++) await encoder.writeFrame(frame);
      await encoder.finish();
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  assert.ok(failure instanceof RenderbayError, 'rejected');
  assert.equal(failure.code, 'encode_failed');
  assert.match(failure.message, /video\.mp4/, 'the message quotes ffmpeg about the file it could not write');
});

test('finish without frames fails clearly', async () => {
  const encoder = VideoEncoder.start({ width: 64, height: 64, directory: path.join(workDirectory, 'empty') });
  await assert.rejects(encoder.finish(), { code: 'encode_failed', message: /no frames/ });
});
