/**
 * The render farm survives losing its control plane or its Redis mid-batch: SQLite is the
 * source of truth, so a restarted control plane re-queues whatever was pending or running
 * and a Redis restarted empty is filled again from it. Every render finishes and the
 * credits are exact (each render charged once, nothing refunded that was delivered).
 * Real redis-server, s3rver and `renderbay worker` processes on 127.0.0.1; skips (saying
 * why) only where redis-server or s3rver is not installed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, createKey, modelForm, waitForRender, waitForStatus, type ServerProcess } from './helpers/api-server.js';
import { farmUnavailable, startControlPlane, startRedis, startS3, startWorker, type RedisProcess, type S3Server, type WorkerProcess } from './helpers/farm.js';

const MODEL = 'fixtures/generated/textured-cube.glb';
const still = (angle: string) => ({ output: 'stills', stills: [angle], imageSize: '96x64' });
const VIDEO = { quality: 'share', length: 3, aspect: '1:1' };
const unavailable = farmUnavailable();

describe('render farm recovery', { skip: unavailable ?? false, timeout: 600_000 }, () => {
  let redis: RedisProcess;
  let s3: S3Server;
  let controlPlane: ServerProcess;
  let worker: WorkerProcess;
  let key: string;
  let modelId: string;
  let dataDirectory: string;
  let initialCredits: number;

  before(async () => {
    [redis, s3] = await Promise.all([startRedis(), startS3()]);
    dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-farm-recovery-'));
    key = await createKey(dataDirectory);
    controlPlane = await startControlPlane(dataDirectory, redis, s3);
    worker = await startWorker(redis, s3, { concurrency: 2 });
    initialCredits = (await api(controlPlane, key, 'GET', '/account')).body.data.credits;
    const upload = await api(controlPlane, key, 'POST', '/models', await modelForm(MODEL));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    modelId = upload.body.data.modelId;
  });
  after(async () => {
    await worker?.kill();
    await controlPlane?.kill();
    await Promise.allSettled([redis?.stop(), s3?.stop()]);
    for (const folder of [dataDirectory, worker?.scratch]) if (folder) await rm(folder, { recursive: true, force: true });
  });

  const batch = async (renders: unknown[]) => {
    const response = await api(controlPlane, key, 'POST', '/renders/batch', { renders: renders.map((renderSettings) => ({ modelId, renderSettings })) });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return (response.body.data as { id: string }[]).map((render) => render.id);
  };
  /** Every render done (the batch's and the model's preview, which the batch does not wait for), and the balance is the start minus what the done renders cost. */
  const assertAllDoneAndCreditsExact = async (ids: string[]) => {
    const listed = (await api(controlPlane, key, 'GET', '/renders?limit=100')).body.data as { id: string }[];
    for (const id of new Set([...ids, ...listed.map((render) => render.id)])) {
      const { render } = await waitForRender(controlPlane, key, id, 300_000);
      assert.equal(render.status, 'done', `${id}: ${render.errorMessage}`);
    }
    const all = (await api(controlPlane, key, 'GET', '/renders?limit=100')).body.data as { status: string; credits: number }[];
    assert.ok(all.every((render) => render.status === 'done'), JSON.stringify(all.map((render) => render.status)));
    const spent = all.reduce((sum, render) => sum + render.credits, 0);
    assert.equal((await api(controlPlane, key, 'GET', '/account')).body.data.credits, initialCredits - spent, 'each render charged exactly once');
  };

  test('the control plane SIGKILLed mid-batch: restarted, it finishes everything, credits exact', async () => {
    const ids = await batch([VIDEO, still('front'), still('side'), still('top')]);
    await waitForStatus(controlPlane, key, ids[0], 'poster-done', 300_000); // a worker is mid-pass
    await controlPlane.kill();
    controlPlane = await startControlPlane(dataDirectory, redis, s3);
    await assertAllDoneAndCreditsExact(ids);
  });

  test('Redis restarted empty mid-batch: the control plane queues again what SQLite says is unfinished', async () => {
    const ids = await batch([{ ...VIDEO, bgColor: '#336699', length: 3.5 }, still('back'), still('three-quarter')]);
    await waitForStatus(controlPlane, key, ids[0], 'poster-done', 300_000);
    await redis.restartEmpty();
    await assertAllDoneAndCreditsExact(ids);
    const health = await api(controlPlane, null, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.data.farm.workers, 1, 'the worker beats again on the new Redis');
  });
});
