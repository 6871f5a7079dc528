/**
 * Hostile and broken model files, each through the real engine and worker process:
 * a clear error with a stable code, and nothing left in the output directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { RenderbayError } from '../src/errors.js';
import { renderToDirectory } from '../src/render/render-engine.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';

const generated = (name: string) => path.resolve('fixtures/generated', name);
let outputDirectory: string;

before(async () => {
  outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-validation-'));
});
after(async () => {
  await rm(outputDirectory, { recursive: true, force: true });
});

async function expectRejected(modelPath: string, code: string, message: RegExp): Promise<void> {
  await assert.rejects(
    renderToDirectory({ modelPath, settings: parseRenderSettings({ length: 3 }), outputDirectory }),
    (error: unknown) => {
      assert.ok(error instanceof RenderbayError, `expected a RenderbayError, got ${error}`);
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      return true;
    },
  );
  assert.deepEqual(await readdir(outputDirectory), [], 'a failed render leaves nothing behind');
}

describe('bad model input', () => {
  const cases: [string, string, RegExp][] = [
    ['bad-random.glb', 'invalid_format', /Not a GLB or glTF file/],
    ['bad-truncated.glb', 'invalid_model', /declares 2944 bytes but the file has 1766 \(truncated\?\)/],
    ['bad-json.glb', 'invalid_model', /JSON chunk is not valid JSON/],
    ['bad-accessor.glb', 'invalid_model', /reaches past the end of buffer 0|points past its buffer/],
    ['bad-missing-uri.gltf', 'invalid_model', /"missing.bin", which does not exist next to the model/],
    ['bad-absolute-uri.gltf', 'invalid_model', /"\/etc\/passwd": only data: URIs and files next to the model/],
    ['bad-outside-uri.gltf', 'invalid_model', /outside the model's folder/],
    ['bad-no-meshes.glb', 'invalid_model', /no meshes to render/],
    ['bad-texture-not-image.glb', 'invalid_model', /texture 0 .* is not a readable PNG, JPEG, WebP or AVIF image/],
    ['bad-huge-texture.glb', 'invalid_model', /declares 100000×100000 pixels; the limit is 16384×16384/],
  ];
  for (const [file, code, message] of cases) {
    test(`${file} → ${code}`, async () => expectRejected(generated(file), code, message));
  }

  test('a missing file → file_not_found', async () => expectRejected(generated('does-not-exist.glb'), 'file_not_found', /not found/));

  test('an empty file → invalid_format', async () => {
    const empty = path.join(os.tmpdir(), `renderbay-empty-${process.pid}.glb`);
    await writeFile(empty, '');
    try {
      await expectRejected(empty, 'invalid_format', /empty/);
    } finally {
      await rm(empty, { force: true });
    }
  });

  test('URIs with file: or http: schemes, or an encoded ../, are refused', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'renderbay-scheme-'));
    try {
      for (const uri of ['file:///etc/passwd', 'http://169.254.169.254/latest', '..%2F..%2Fetc%2Fpasswd']) {
        const gltf = { asset: { version: '2.0' }, buffers: [{ uri, byteLength: 12 }] };
        const file = path.join(folder, 'scheme.gltf');
        await writeFile(file, JSON.stringify(gltf));
        await expectRejected(file, 'invalid_model', /only data: URIs and files next to the model|outside the model's folder/);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('the CLI answers random bytes with exit code 1 and one line naming the code', async () => {
    const run = promisify(execFile);
    const result = await run(process.execPath, ['dist/src/cli.js', 'render', generated('bad-random.glb'), '--out', outputDirectory]).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal((result as { code?: number }).code, 1);
    const lines = (result as { stderr: string }).stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^renderbay: invalid_format: Not a GLB or glTF file/);
  });

  test('the CLI rejects out-of-range settings before rendering', async () => {
    const run = promisify(execFile);
    const result = await run(process.execPath, ['dist/src/cli.js', 'render', 'fixtures/sample/Suzanne.glb', '--length', '45', '--json']).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal((result as { code?: number }).code, 1);
    const summary = JSON.parse((result as { stdout: string }).stdout);
    assert.deepEqual(summary.ok, false);
    assert.equal(summary.error.code, 'invalid_settings');
    assert.match(summary.error.message, /length must be from 3 to 30 seconds/);
  });
});
