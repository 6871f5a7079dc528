/**
 * `renderbay worker`: one render machine of a farm. Takes passes from the BullMQ queue,
 * fetches their inputs from the object store into a cache in its scratch folder (keyed by
 * SHA-256, checked on arrival), renders them with the same function the embedded engine
 * uses (renderToDirectory: a renderer child process, posters first), puts the outputs in
 * the store and hands back their keys. It has no database and decides nothing about
 * renders: status, assets, credits and retries are the control plane's.
 *
 * BullMQ settings, chosen on purpose: a pass is locked for `lockMs` and the lock renewed
 * while it renders; a worker that dies stops renewing, and another worker's stall check
 * fails the pass at once (maxStalledCount 0) so the control plane counts the try and
 * queues it again — rather than BullMQ retrying behind the database's back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { serializeError } from '../errors.js';
import { renderToDirectory, type RenderProgress } from '../render/render-engine.js';
import type { OverlayImage } from '../render/render-plan.js';
import type { PosterFiles, RenderResult } from '../render/worker-protocol.js';
import { hashFile } from '../storage/file-store.js';
import { openObjectStore, putUnlessPresent, type ObjectStore } from '../storage/object-store.js';
import { InputCache } from './input-cache.js';
import { LIMITS } from '../limits.js';
import { redisClient, type FarmConfig } from './farm-config.js';
import { cancelKey, ERROR_MARKER, OUTPUT_REFERENCE, PASS_QUEUE, workerKey, type PassData, type PassProgress, type PassResult, type StoredOutput, type WorkerInfo } from './farm-protocol.js';

export interface FarmWorkerOptions {
  farm: FarmConfig;
  /** Passes rendered at once on this machine. */
  concurrency: number;
  /** Input cache and work folders. */
  scratch: string;
  /** The input cache's cap in bytes (least recently used entries go first), or null: unbounded. */
  scratchMaxBytes?: number | null;
  log?: (message: string) => void;
}

export interface RunningFarmWorker {
  id: string;
  /** Stops taking passes, lets running ones finish, then disconnects. */
  close(): Promise<void>;
}

/** Progress reports are sent on every stage change and at most this often otherwise (ms). */
const PROGRESS_INTERVAL_MS = 250;

export async function startFarmWorker(options: FarmWorkerOptions): Promise<RunningFarmWorker> {
  const log = options.log ?? ((message: string) => process.stderr.write(`renderbay worker: ${message}\n`));
  const store = await openObjectStore(options.farm.storeUrl);
  const cache = new InputCache(store, path.join(options.scratch, 'cache'), options.scratchMaxBytes ?? null);
  const passesFolder = path.join(options.scratch, 'passes');
  await mkdir(passesFolder, { recursive: true });
  const id = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const running = new Map<string, string>(); // job id → pass id
  const startedAt = new Date().toISOString();

  const connection = redisClient(options.farm.queueUrl);
  const worker = new Worker<PassData, PassResult>(PASS_QUEUE, (job) => renderPass(job, store, cache, passesFolder, running), {
    connection,
    concurrency: options.concurrency,
    lockDuration: options.farm.lockMs,
    stalledInterval: options.farm.checkMs,
    maxStalledCount: 0,
    autorun: false,
  });
  worker.on('error', (error) => log(error.message));
  worker.on('failed', (job, error) => log(`pass ${job?.data.passId ?? '?'} failed: ${error.message}`));
  const client = await worker.backend.client;
  const beat = async () => {
    const info: WorkerInfo = { id, host: os.hostname(), pid: process.pid, concurrency: options.concurrency, passes: [...running.values()], startedAt, lastSeen: new Date().toISOString() };
    await client.set(workerKey(id), JSON.stringify(info), { EX: LIMITS.farmWorkerTtlSeconds }).catch(() => undefined);
  };
  await beat();
  const heartbeat = setInterval(() => void beat(), Math.min(2000, options.farm.checkMs));
  void worker.run();
  log(`${id} taking passes from ${options.farm.queueUrl.replace(/\/\/[^@]*@/, '//')} (concurrency ${options.concurrency}, store ${store.description}, scratch ${options.scratch}${options.scratchMaxBytes ? `, input cache capped at ${options.scratchMaxBytes} bytes` : ''})`);
  return {
    id,
    close: async () => {
      clearInterval(heartbeat);
      await worker.close();
      await client.del(workerKey(id)).catch(() => undefined);
      connection.disconnect();
      store.close();
    },
  };

  async function renderPass(job: Job<PassData, PassResult>, store: ObjectStore, cache: InputCache, folder: string, active: Map<string, string>): Promise<PassResult> {
    const jobId = job.id as string;
    const data = job.data;
    active.set(jobId, data.passId);
    void beat();
    const abort = new AbortController();
    const cancelWatch = setInterval(() => {
      void client.get(cancelKey(jobId)).then((flag) => (flag ? abort.abort() : undefined), () => undefined);
    }, 1000);
    const outputDirectory = path.join(folder, jobId);
    const uploads: Promise<unknown>[] = [];
    const held: string[] = []; // cache entries this pass reads: never evicted until it ends
    const input = async (key: string) => {
      const file = await cache.acquire(key);
      held.push(key);
      return file;
    };
    try {
      const overlays: Record<string, OverlayImage> = {};
      for (const [overlayId, overlay] of Object.entries(data.overlays)) overlays[overlayId] = { path: await input(overlay.key), alignment: overlay.alignment };
      const environments: Record<string, string> = {};
      for (const [name, key] of Object.entries(data.environments)) environments[name] = await input(key);
      const modelPath = await input(data.modelKey);
      const progress = new ProgressSender((report) => job.updateProgress(report));
      const result = await renderToDirectory({
        modelPath,
        settings: data.settings,
        variantSettings: data.variantSettings,
        overlays,
        environments,
        outputDirectory,
        signal: abort.signal,
        onProgress: (update) => progress.send(update),
        onPoster: (files, variant) => {
          // The files live in the renderer's temp folder until the pass ends: upload them now.
          uploads.push(
            (async () => {
              const stored = {} as Record<'poster' | 'posterThumb', StoredOutput>;
              for (const [output, file] of Object.entries(files as PosterFiles)) stored[output as 'poster' | 'posterThumb'] = await upload(store, file, path.basename(file));
              await job.updateProgress({ type: 'poster', variant, files: stored } satisfies PassProgress);
            })().catch(() => undefined), // the final outputs carry the posters anyway
          );
        },
      });
      await Promise.all(uploads);
      return await uploadOutputs(store, result, outputDirectory);
    } catch (error) {
      await Promise.allSettled(uploads);
      throw new Error(`${ERROR_MARKER}${JSON.stringify(serializeError(error))}`);
    } finally {
      clearInterval(cancelWatch);
      for (const key of held) cache.release(key);
      active.delete(jobId);
      await rm(outputDirectory, { recursive: true, force: true });
    }
  }
}

/** Puts every output file in the store and replaces its path in the result by `farm:<name>`. */
async function uploadOutputs(store: ObjectStore, result: RenderResult, outputDirectory: string): Promise<PassResult> {
  const outputs: Record<string, StoredOutput> = {};
  const files = new Set<string>();
  JSON.stringify(result, (_key, value: unknown) => {
    if (typeof value === 'string' && value.startsWith(`${outputDirectory}${path.sep}`)) files.add(value);
    return value;
  });
  for (const file of files) {
    const name = path.relative(outputDirectory, file);
    outputs[name] = await upload(store, file, name);
  }
  const replaced = JSON.parse(JSON.stringify(result), (_key, value: unknown) =>
    typeof value === 'string' && files.has(value) ? `${OUTPUT_REFERENCE}${path.relative(outputDirectory, value)}` : value,
  ) as RenderResult;
  return { result: replaced, outputs };
}

async function upload(store: ObjectStore, file: string, name: string): Promise<StoredOutput> {
  const key = await hashFile(file);
  const { size } = await stat(file);
  await putUnlessPresent(store, key, file, size);
  return { key, size, name };
}

/** Forwards renderer progress to BullMQ: every stage change, otherwise at most every PROGRESS_INTERVAL_MS. */
class ProgressSender {
  private lastStage = '';
  private lastAt = 0;

  constructor(private readonly report: (progress: PassProgress) => Promise<unknown>) {}

  send(update: RenderProgress): void {
    const now = Date.now();
    if (update.stage === this.lastStage && now - this.lastAt < PROGRESS_INTERVAL_MS && update.framesDone < update.framesTotal) return;
    this.lastStage = update.stage;
    this.lastAt = now;
    void this.report({ type: 'progress', ...update }).catch(() => undefined);
  }
}
