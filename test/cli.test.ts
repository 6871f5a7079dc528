/**
 * The CLI as a user runs it: `renderbay render model.glb --aspect 9:16 --bg … --out dir --json`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { pixelAt, probe, readPng } from './helpers/media.js';

let outputDirectory: string;
before(async () => {
  outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-cli-'));
});
after(async () => {
  await rm(outputDirectory, { recursive: true, force: true });
});

test('renderbay render --aspect 9:16 --bg #000000 --length 3 --json writes every output and a summary', async () => {
  const args = ['dist/src/cli.js', 'render', 'fixtures/sample/Suzanne.glb', '--aspect', '9:16', '--bg', '#000000', '--length', '3', '--no-easing', '--out', outputDirectory, '--json'];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, args);
  assert.equal(stderr, '', 'no progress bar or noise when not on a terminal');
  const summary = JSON.parse(stdout);
  assert.equal(summary.ok, true);
  assert.equal(summary.width, 540);
  assert.equal(summary.height, 960);
  assert.equal(summary.frames, 90);
  assert.equal(summary.durationSeconds, 3);
  assert.ok(summary.wallSeconds > 0 && summary.msPerFrame > 0);
  assert.equal(summary.settings.easing, false);
  for (const name of ['video', 'web', 'thumb', 'poster', 'posterThumb']) {
    assert.equal(path.dirname(summary.files[name]), outputDirectory);
    assert.equal((await stat(summary.files[name])).size, summary.bytes[name]);
  }
  const video = await probe(summary.files.video);
  assert.deepEqual([video.width, video.height, video.frameCount], [540, 960, 90]);
  const poster = await readPng(summary.files.poster);
  assert.deepEqual(pixelAt(poster, 0, 0).slice(0, 3), [0, 0, 0]);
  assert.deepEqual(pixelAt(poster, 539, 959).slice(0, 3), [0, 0, 0]);
});

test('without --json the CLI prints one summary line with paths, sizes, seconds and ms per frame', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    'dist/src/cli.js', 'render', 'fixtures/generated/wide.glb', '--length', '3', '--quality', 'share', '--out', outputDirectory,
  ]);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^Rendered wide\.glb → .+: video\.mp4 \d+ KB, web\.mp4 \d+ KB, thumb\.mp4 \d+ KB, poster\.png \d+ KB, poster-thumb\.png \d+ KB · 960×540, 90 frames, 3\.0 s video · [\d.]+ s wall, [\d.]+ ms\/frame$/);
});
