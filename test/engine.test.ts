/**
 * The engine's promises to its callers: a crashed or hung worker becomes a clear error
 * (never a hung caller), nothing half-written is published, and the private Xvfb is
 * reused across renders and gone when the process exits.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { RenderbayError } from '../src/errors.js';
import { renderToDirectory } from '../src/render/render-engine.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';

let outputDirectory: string;
before(async () => {
  outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-engine-'));
});
after(async () => {
  await rm(outputDirectory, { recursive: true, force: true });
});

describe('render engine', () => {
  test('a worker killed mid-render fails the render with render_crashed and publishes nothing', async () => {
    let killed = false;
    await assert.rejects(
      renderToDirectory({
        modelPath: 'fixtures/sample/Suzanne.glb',
        settings: parseRenderSettings({ length: 10 }),
        outputDirectory,
        onWorkerStarted: (pid) => {
          // Kill it once it is rendering frames, with ffmpeg already writing files.
          const timer = setInterval(() => {
            if (!killed && existsSync(outputDirectory)) {
              killed = true;
              clearInterval(timer);
              setTimeout(() => process.kill(pid, 'SIGKILL'), 1500);
            }
          }, 50);
        },
      }),
      (error: unknown) => error instanceof RenderbayError && error.code === 'render_crashed' && /killed by SIGKILL/.test(error.message),
    );
    assert.deepEqual(await readdir(outputDirectory), []);
  });

  test('a worker that stops reporting progress is stopped with render_timeout', async () => {
    const started = performance.now();
    await assert.rejects(
      renderToDirectory({
        modelPath: 'fixtures/sample/Suzanne.glb',
        settings: parseRenderSettings({ length: 3 }),
        outputDirectory,
        stallTimeoutMs: 30, // far shorter than loading takes: the watchdog fires while the worker is busy
      }),
      (error: unknown) => error instanceof RenderbayError && error.code === 'render_timeout',
    );
    assert.ok(performance.now() - started < 5000, 'the caller is released promptly');
    assert.deepEqual(await readdir(outputDirectory), []);
  });

  const xSocket = (display: string) => `/tmp/.X11-unix/X${display.slice(1)}`;
  async function waitUntilGone(file: string): Promise<boolean> {
    for (let attempt = 0; attempt < 60 && existsSync(file); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    return !existsSync(file);
  }
  const environmentWithoutDisplay = () => {
    const env = { ...process.env };
    delete env.DISPLAY;
    return env;
  };

  test('the private Xvfb is started once, reused, and stopped when the process exits', async () => {
    const script = `
      import { ensureDisplay } from './dist/renderer/display.js';
      const first = await ensureDisplay();
      const second = await ensureDisplay();
      console.log(JSON.stringify({ first, second }));
      process.exit(0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: environmentWithoutDisplay() });
    const { first, second } = JSON.parse(stdout) as { first: string; second: string };
    assert.match(first, /^:\d+$/);
    assert.equal(second, first, 'the same display is reused');
    assert.equal(await waitUntilGone(xSocket(first)), true, `Xvfb ${first} is gone after the process exited`);
  });

  test('the private Xvfb is stopped even when its owner is killed with SIGKILL', async () => {
    const script = `
      import { ensureDisplay } from './dist/renderer/display.js';
      console.log(await ensureDisplay());
      setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { env: environmentWithoutDisplay(), stdio: ['ignore', 'pipe', 'inherit'] });
    const display = await new Promise<string>((resolve) => owner.stdout!.once('data', (chunk) => resolve(String(chunk).trim())));
    assert.equal(existsSync(xSocket(display)), true, 'Xvfb is running');
    owner.kill('SIGKILL');
    assert.equal(await waitUntilGone(xSocket(display)), true, `Xvfb ${display} is gone after its owner was killed`);
  });
});
