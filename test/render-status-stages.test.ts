/**
 * What a polling client sees of a render's stages, on a real server: `poster-done` is
 * observable at a 500 ms poll on a 6 s share render and the statuses only move forward;
 * and a system preview that is interrupted on every attempt (its worker killed, or the
 * server killed mid-render) ends with the model `invalid` and the reason, not
 * `processing` forever.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { api, createKey, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { rendererWorkers, waitUntil } from './helpers/processes.js';

const ORDER = ['pending', 'poster-processing', 'poster-done', 'video-processing', 'done'];
/** The server's attempt limit here: a preview is given up after its second interruption. */
const ATTEMPTS = 2;
const ENV = { RENDERBAY_MAX_RENDER_ATTEMPTS: String(ATTEMPTS) };

let dataDirectory: string;
let server: ServerProcess;
let key: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-stages-'));
  key = await createKey(dataDirectory);
  server = await startServerProcess(dataDirectory, { env: ENV });
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function getRender(renderId: string): Promise<any> {
  return (await api(server, key, 'GET', `/renders/${renderId}`)).body.data;
}

test('a client polling every 500 ms sees poster-done on a 6 s share render, and the statuses only move forward', async (t) => {
  const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/textured-cube.glb', { quality: 'share', length: 6 }));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  const { renderId } = upload.body.data;
  const seen: string[] = [];
  const deadline = Date.now() + 180_000;
  for (;;) {
    const render = await getRender(renderId);
    if (seen.at(-1) !== render.status) seen.push(render.status);
    if (['done', 'error'].includes(render.status)) break;
    assert.ok(Date.now() < deadline, `still ${render.status}`);
    await sleep(500);
  }
  t.diagnostic(`statuses seen at 500 ms: ${seen.join(' → ')}`);
  assert.equal(seen.at(-1), 'done', JSON.stringify(seen));
  const positions = seen.map((status) => ORDER.indexOf(status));
  assert.ok(positions.every((position) => position >= 0), `unexpected status in ${seen}`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `statuses out of order: ${seen}`);
  assert.ok(seen.includes('poster-done'), `poster-done seen by a 500 ms poller: ${seen}`);
  // From poster-done on, the poster is there to show.
  const poster = await fetch(`${server.url}/renders/${renderId}/poster`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(poster.status, 200);
});

test('a preview whose worker is killed on every attempt marks the model invalid with the reason', async () => {
  const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/wide.glb'));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  const { modelId, renderId } = upload.body.data;
  const killed = new Set<number>();
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const worker = await waitUntil(`the preview's worker (attempt ${attempt})`, async () => (await rendererWorkers(server.process.pid!)).find((pid) => !killed.has(pid)));
    process.kill(worker, 'SIGKILL');
    killed.add(worker);
  }
  const { render } = await waitForRender(server, key, renderId);
  assert.equal(render.status, 'error');
  assert.equal(render.errorCode, 'render_crashed');
  const model = (await api(server, key, 'GET', `/models/${modelId}`)).body.data;
  assert.equal(model.status, 'invalid');
  assert.match(model.invalidReason, /failed on all 2 attempts \(render_crashed\): The renderer process was killed by SIGKILL/);
});

test('a preview interrupted by a server crash on every attempt marks the model invalid after the restart', async () => {
  const upload = await api(server, key, 'POST', '/models', await modelForm('fixtures/generated/vertex-colours.glb'));
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  const { modelId, renderId } = upload.body.data;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // The preview is being rendered (a worker runs it): pull the plug, then start again.
    await waitUntil(`the preview's worker (attempt ${attempt})`, async () => (await rendererWorkers(server.process.pid!)).length > 0);
    assert.ok(['poster-processing', 'poster-done'].includes((await getRender(renderId)).status), 'mid-render');
    await server.kill();
    server = await startServerProcess(dataDirectory, { env: ENV });
  }
  const { render } = await waitForRender(server, key, renderId);
  assert.equal(render.status, 'error');
  assert.equal(render.errorCode, 'render_interrupted');
  const model = (await api(server, key, 'GET', `/models/${modelId}`)).body.data;
  assert.equal(model.status, 'invalid');
  assert.match(model.invalidReason, /failed on all 2 attempts \(render_interrupted\): The render was interrupted 2 times/);
  assert.equal((await api(server, key, 'POST', '/renders', { modelId })).body.error.code, 'invalid_model', 'an invalid model cannot be rendered');
});
