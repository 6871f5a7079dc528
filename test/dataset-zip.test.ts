/**
 * The dataset's streaming zip: what goes in comes out intact (read back with yauzl), and
 * data already written to disk is not kept in memory — what lets a 400-view 2048²
 * dataset (over a gigabyte of PNGs) render in bounded memory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ZipSink } from '../renderer/dataset/zip-sink.js';
import { readZip } from './helpers/dataset.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

let directory: string;
before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-zip-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function patterned(size: number, seed: number): Buffer {
  const buffer = Buffer.alloc(size);
  for (let index = 0; index < size; index++) buffer[index] = (index * 31 + seed * 7) & 255;
  return buffer;
}

test('entries come back byte for byte, in the order added, with the fixed timestamp', async () => {
  const file = path.join(directory, 'roundtrip.zip');
  const zip = new ZipSink(file);
  const contents = new Map<string, Buffer>([
    ['README.txt', Buffer.from('hello\n')],
    ['images/0000.png', patterned(300_000, 1)],
    ['depth/0000.png', patterned(5, 2)],
    ['empty.json', Buffer.alloc(0)],
  ]);
  for (const [name, data] of contents) await zip.add(name, data);
  assert.equal(zip.entryCount, 4);
  const bytes = await zip.finish();
  assert.equal(bytes, (await stat(file)).size);
  const entries = await readZip(file);
  assert.deepEqual([...entries.keys()], [...contents.keys()]);
  for (const [name, data] of contents) assert.ok(entries.get(name)!.equals(data), name);
});

test('data already on disk is let go of while the archive is still open', async () => {
  const file = path.join(directory, 'release.zip');
  const zip = new ZipSink(file);
  const size = 4 * 1024 * 1024;
  // Each buffer is only reachable through the sink once add() has been called.
  const added = async (seed: number) => {
    const data = patterned(size, seed);
    const reference = new WeakRef(data);
    await zip.add(`images/${seed}.png`, data);
    return reference;
  };
  const references = [await added(0), await added(1), await added(2)];
  const onDisk = () => stat(file).then((facts) => facts.size, () => 0); // the file opens asynchronously
  while ((await onDisk()) < 3 * size) await delay(5);
  await delay(20);
  collectGarbage();
  assert.deepEqual(
    references.map((reference) => reference.deref() === undefined),
    [true, true, true],
    'written buffers are garbage once on disk',
  );
  await zip.finish();
  const entries = await readZip(file);
  assert.ok(entries.get('images/2.png')!.equals(patterned(size, 2)));
});
