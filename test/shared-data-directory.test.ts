/**
 * Two Renderbay processes on one data directory (a server and an agent's `renderbay mcp`,
 * or two agents): both accept work, one renders it, and when that one dies the other
 * takes over, recovers the interrupted render and finishes it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { api, createKey, modelForm, startServerProcess, tempLeftovers, waitForRender, waitForStatus, type ServerProcess } from './helpers/api-server.js';

let dataDirectory: string;
let first: ServerProcess;
let second: ServerProcess;
let key: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-shared-'));
  key = await createKey(dataDirectory);
  first = await startServerProcess(dataDirectory);
  second = await startServerProcess(dataDirectory);
});
after(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await rm(dataDirectory, { recursive: true, force: true });
});

test('work created through either process is rendered; the survivor takes over when the renderer dies', async () => {
  const lockOwner = Number(await readFile(path.join(dataDirectory, 'engine.lock'), 'utf8'));
  assert.equal(lockOwner, first.process.pid, 'the first process renders');

  // Created through the process that does not render: the renderer picks it up from the database.
  const upload = await api(second, key, 'POST', '/models', await modelForm('fixtures/generated/wide.glb', { length: 6 }));
  assert.equal(upload.status, 201);
  const { renderId } = upload.body.data;
  await waitForStatus(second, key, renderId, 'poster-done'); // behind the model's preview render; mid-render from here

  await first.kill(); // mid-render
  const { render } = await waitForRender(second, key, renderId);
  assert.equal(render.status, 'done', render.errorMessage);
  assert.equal(Number(await readFile(path.join(dataDirectory, 'engine.lock'), 'utf8')), second.process.pid, 'the survivor took over');
  // The killed process's worker may still be finishing for a moment; the sweep repeats while idle.
  let leftovers = await tempLeftovers(dataDirectory);
  for (let attempt = 0; attempt < 50 && leftovers.length > 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    leftovers = await tempLeftovers(dataDirectory);
  }
  assert.deepEqual(leftovers, [], "the dead process's scratch files were swept");
  await second.stop();
  assert.equal(existsSync(path.join(dataDirectory, 'engine.lock')), false, 'the lock is released on a clean stop');
});
