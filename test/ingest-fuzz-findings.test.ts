/**
 * Inputs the ingest fuzzer (scripts/fuzz/, `npm run bench:fuzz`) found to break the
 * ingest path, each reduced to the smallest file that still did, run through the real
 * ingest worker thread. Each must come back as an answer — a model kept invalid with its
 * reason, or a refusal with a stable code — never as a crash (`internal`).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ingestInWorker } from '../src/ingest/ingest-worker.js';
import type { ModelFormat } from '../src/models/model-format.js';
import { packGlb, CHUNK_JSON } from '../scripts/fixtures/glb-container.js';

let workDirectory: string;
before(async () => {
  workDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-fuzz-findings-'));
});
after(async () => {
  await rm(workDirectory, { recursive: true, force: true });
});

async function ingestBytes(name: string, bytes: Uint8Array | string, format: ModelFormat) {
  const file = path.join(workDirectory, name);
  await writeFile(file, bytes);
  return ingestInWorker(file, { workDirectory, format });
}

const nested = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`;

describe('glTF JSON the Khronos validator cannot survive is screened out before it runs', () => {
  // Found as `bad-texture-not-image.glb | append+3 | json(nest×50000 /accessors/2/type)`: the
  // validator overflowed its stack outside its promise, killing the ingest thread (500 internal).
  test('arrays nested 50,000 deep: kept invalid, with the reason', async () => {
    const glb = packGlb([{ type: CHUNK_JSON, data: new TextEncoder().encode(`{"asset":{"version":"2.0"},"extras":${nested(50_000)}}`) }]);
    const result = await ingestBytes('deep.glb', glb, 'glb');
    assert.match(result.invalidReason ?? '', /nests more than 128 levels deep/);
    assert.equal(result.validation?.messages[0].code, 'INVALID_JSON');
  });

  // Found as `meshopt.glb | json(literal 100000000000…@985)`: a 401-digit integer parses as
  // Infinity and the validator's `Infinity.toInt()` threw outside its promise.
  test('a number too large for a double: kept invalid, with the reason', async () => {
    const result = await ingestBytes('huge.gltf', '{"asset":{"version":"2.0"},"scene":1e400}', 'gltf');
    assert.match(result.invalidReason ?? '', /number too large to represent \(1e400\)/);
  });

  test('nesting a real model could have still reaches the validator', async () => {
    const result = await ingestBytes('extras.gltf', `{"asset":{"version":"2.0"},"extras":{"a":${nested(100)}}}`, 'gltf');
    assert.doesNotMatch(result.invalidReason ?? '', /nests more than/);
    assert.ok(result.validation && result.validation.messages.every((message) => message.code !== 'INVALID_JSON'));
  });
});

describe('an exception the validator throws past its promise fails the validation, not the ingest thread', () => {
  // Found as `bad-huge-texture.glb | glb-length=4296 | bin-flip×20` and `gltf-folder.zip | append+8 |
  // cube/textures/quadrants.png: bit-flip×5`: a PNG whose first chunk is not IHDR makes the validator
  // complete a future twice ("Bad state: Future already completed"), thrown from its event loop.
  test('a PNG texture whose IHDR chunk is misnamed: kept invalid, with the reason', async () => {
    const glb = Buffer.from(await readFile('fixtures/generated/textured-cube.glb'));
    const ihdr = glb.indexOf('IHDR', 0, 'latin1');
    assert.ok(ihdr > 0);
    glb.write('IHdR', ihdr, 'latin1');
    const result = await ingestBytes('misnamed-ihdr.glb', glb, 'glb');
    assert.match(result.invalidReason ?? '', /not a readable PNG, JPEG, WebP or AVIF image/);
    assert.match(result.invalidReason ?? '', /INVALID_DATA: The glTF validator failed on this file \(Bad state: Future already completed\)/);
    // The thread that contained the crash goes on answering.
    assert.equal((await ingestInWorker('fixtures/generated/textured-cube.glb', { workDirectory, format: 'glb' })).invalidReason, null);
  });
});
