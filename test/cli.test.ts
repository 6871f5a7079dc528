/**
 * The CLI as a user runs it: `renderbay render model.glb --aspect 9:16 --bg … --out dir --json`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { api, startServerProcess } from './helpers/api-server.js';
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

test('every new setting is a flag: effect, orientation, animation, background image, foreground and vignette', async () => {
  const background = path.join(outputDirectory, 'background.png');
  const logo = path.join(outputDirectory, 'logo.png');
  await sharp({ create: { width: 400, height: 400, channels: 3, background: '#3070d0' } }).png().toFile(background);
  await sharp({ create: { width: 120, height: 120, channels: 4, background: '#ffcc00ff' } }).png().toFile(logo);
  const out = path.join(outputDirectory, 'flags');
  const args = ['dist/src/cli.js', 'render', 'fixtures/generated/rigid-clips.glb', '--aspect', '1:1', '--length', '3', '--effect', 'hero-spin', '--sweep-angle', '720',
    '--tilt-x', '10', '--animation', 'spin', '--animation-speed', '2', '--bg-image', background, '--bg-align', 'center', '--foreground', logo,
    '--foreground-align', 'bottom-right', '--vignette', '0.4', '--out', out, '--json'];
  const { stdout } = await promisify(execFile)(process.execPath, args);
  const summary = JSON.parse(stdout);
  assert.equal(summary.ok, true);
  assert.equal(summary.settings.effect, 'hero-spin');
  assert.equal(summary.settings.sweepAngle, 720);
  assert.equal(summary.settings.tiltX, 10);
  assert.equal(summary.settings.animation, 'spin');
  assert.equal(summary.settings.animationSpeed, 2);
  assert.equal(summary.settings.bgAlign, 'center');
  const poster = await readPng(summary.files.poster);
  // The 120 px logo, sized for a 1080 short side, is 60 px in the bottom-right corner of a 540 frame.
  const corner = pixelAt(poster, 530, 530);
  assert.ok(corner[0] > 200 && corner[1] > 150 && corner[2] < 60, `foreground logo on top: ${corner}`);
  // The background image shows in the top-left corner, darkened by the vignette; brighter towards the centre.
  const topLeft = pixelAt(poster, 4, 4);
  const topCentre = pixelAt(poster, 270, 4);
  assert.ok(topLeft[2] > topLeft[0] && topLeft[2] < topCentre[2], `background image under a vignette: ${topLeft} vs ${topCentre}`);
});

test('bad flag values exit 1 with one line naming the problem', async () => {
  const run = (...extra: string[]) =>
    promisify(execFile)(process.execPath, ['dist/src/cli.js', 'render', 'fixtures/generated/rigid-clips.glb', '--length', '3', '--out', outputDirectory, ...extra]).then(
      () => assert.fail('expected the render to fail'),
      (error: { code: number; stderr: string }) => error,
    );
  const missing = await run('--bg-image', 'no-such-image.png');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^renderbay: file_not_found: No such image file: no-such-image\.png\n$/);
  const clip = await run('--animation', 'dance');
  assert.equal(clip.code, 1);
  assert.match(clip.stderr, /renderbay: invalid_settings: .*dance.*spin, bob, animation_2/);
  const effect = await run('--effect', 'spin');
  assert.match(effect.stderr, /renderbay: invalid_settings: .*effect must be one of: turntable, hero-spin, showcase, zoom-orbit, reveal/);
});

describe('operator commands say where they wrote, and accept what they printed', () => {
  let dataDirectory: string;
  before(async () => {
    dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-cli-admin-'));
  });
  after(async () => {
    await rm(dataDirectory, { recursive: true, force: true });
  });
  const renderbay = (...args: string[]) => promisify(execFile)(process.execPath, ['dist/src/cli.js', ...args]);

  test('keys create and credits add print the data directory; serve prints the one it uses', async () => {
    const created = await renderbay('keys', 'create', '--name', 'ci', '--data', dataDirectory);
    assert.match(created.stdout, /^rb_sk_\S+\n$/, 'stdout is the key alone, for KEY=$(renderbay keys create …)');
    assert.ok(created.stderr.includes(`Data directory: ${dataDirectory} `), created.stderr);
    const credits = await renderbay('credits', 'add', '5', '--data', dataDirectory);
    assert.match(credits.stdout, /^local@renderbay: 105 credits\n$/);
    assert.ok(credits.stderr.includes(`Data directory: ${dataDirectory} `), credits.stderr);
    const server = await startServerProcess(dataDirectory);
    try {
      assert.ok(server.log().includes(`(data: ${dataDirectory},`), server.log());
    } finally {
      await server.stop();
    }
  });

  test('keys revoke takes the whole key as printed, as well as its id or prefix', async () => {
    const key = (await renderbay('keys', 'create', '--name', 'pasted', '--data', dataDirectory)).stdout.trim();
    const server = await startServerProcess(dataDirectory);
    try {
      assert.equal((await api(server, key, 'GET', '/account')).status, 200);
      const revoked = await renderbay('keys', 'revoke', key, '--data', dataDirectory);
      assert.match(revoked.stdout, new RegExp(`^Revoked \\S+ \\(${key.slice(0, 12)}…, "pasted"\\)\n$`));
      const refused = await api(server, key, 'GET', '/account');
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'unauthorized');
    } finally {
      await server.stop();
    }
    // An unknown key is refused without echoing the secret.
    const unknown = await renderbay('keys', 'revoke', `rb_sk_${'x'.repeat(43)}`, '--data', dataDirectory).then(
      () => assert.fail('expected key_not_found'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^renderbay: key_not_found: No API key rb_sk_xxxxxx…\n$/);
  });
});

describe('scripts/check-node.sh (the first step of setup.sh)', () => {
  let binDirectory: string;
  let toolsDirectory: string;
  before(async () => {
    binDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-fake-node-'));
    toolsDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-no-node-'));
    for (const tool of ['sed', 'sort', 'head', 'dirname']) {
      const found = ['/usr/bin', '/bin'].map((directory) => path.join(directory, tool)).find((candidate) => existsSync(candidate));
      await symlink(found!, path.join(toolsDirectory, tool));
    }
  });
  after(async () => {
    await rm(binDirectory, { recursive: true, force: true });
    await rm(toolsDirectory, { recursive: true, force: true });
  });
  /** Runs the check with a fake `node` that reports `version` first on PATH (none at all when null). */
  async function check(version: string | null): Promise<{ code: number; stderr: string }> {
    await rm(path.join(binDirectory, 'node'), { force: true });
    if (version) await writeFile(path.join(binDirectory, 'node'), `#!/bin/sh\necho v${version}\n`, { mode: 0o755 });
    // Without a node: a PATH holding only the few tools the script uses.
    const PATH = version ? `${binDirectory}:${process.env.PATH}` : toolsDirectory;
    return promisify(execFile)('/bin/bash', ['scripts/check-node.sh'], { env: { PATH } }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  }

  test('compares the full version with package.json engines and names the one needed', async () => {
    const required = /^>=(\d+\.\d+\.\d+)$/.exec(JSON.parse(await readFile('package.json', 'utf8')).engines.node)![1];
    const [major, minor, patch] = required.split('.').map(Number);
    const older = [`${major}.${minor}.${patch - 1}`, `${major}.${minor - 1}.${patch + 10}`, `${major}.9.0`, `${major - 1}.99.99`];
    for (const version of older) {
      const result = await check(version);
      assert.equal(result.code, 1, `${version} is refused`);
      assert.equal(result.stderr, `renderbay setup: Node ${required} or newer is required (found ${version} at ${binDirectory}/node)\n`);
    }
    for (const version of [required, `${major}.${minor}.${patch + 1}`, `${major}.${minor + 1}.0`, `${major + 2}.0.0`]) {
      assert.deepEqual(await check(version), { code: 0, stderr: '' }, `${version} is accepted`);
    }
    const missing = await check(null);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`Node ${required.replaceAll('.', '\\.')} or newer is required, and no node is on PATH`));
  });
});
