/**
 * The control plane's side of a render farm: the job engine's render function when
 * `--queue`/`--store` are set. The engine still claims passes from SQLite, keeps every
 * status, asset and credit change in its own transactions and decides retries (today's
 * bounded attempts); this module only carries one claimed pass to whichever worker takes
 * it and brings its progress, posters and outputs back as if a local worker had made them.
 *
 * Failure semantics, configured on purpose:
 * - BullMQ never retries a pass itself (attempts 1, maxStalledCount 0): a failed or stalled
 *   pass comes back here as a failure and the engine counts the try in SQLite, then queues
 *   it again (any worker may take it) or fails it with a refund.
 * - A stalled pass (its worker died: its lock expired) is one BullMQ's stall check puts
 *   back in `waiting` marked with a deferred failure; BullMQ fails it only when some worker
 *   takes it again, which may be never (every other worker busy, or none left). So the
 *   control plane runs the stall check itself (it needs no live worker) and settles a pass
 *   it finds waiting with that mark at once, taking it off the queue.
 * - A pass Redis no longer knows (Redis restarted empty) is PassLost: queued again
 *   without counting.
 * - Events only hurry things up: every in-flight pass's state is read every `checkMs`
 *   (a missed or trimmed event changes nothing), and every wait on Redis or the store in
 *   that check is bounded, so one slow answer cannot stop the checks.
 * - A stopped pass (its renders deleted, a shutdown) is flagged for its worker to stop.
 * - At start, passes a previous control plane left on the queue are removed (waiting) or
 *   stopped (active): the engine re-queues from SQLite whatever was pending or running.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Job, Queue, QueueEvents, Worker, type RedisClient } from 'bullmq';
import type { EngineCompanion } from '../jobs/job-engine.js';
import { PassLost } from '../jobs/job-engine.js';
import { RenderbayError } from '../errors.js';
import type { RenderJob } from '../render/render-engine.js';
import type { PosterFiles, RenderResult } from '../render/worker-protocol.js';
import type { FileStore } from '../storage/file-store.js';
import { hashFile } from '../storage/file-store.js';
import { isObjectKey } from '../storage/object-store.js';
import type { Redis } from 'ioredis';
import { redisClient, type FarmConfig } from './farm-config.js';
import { cancelKey, ERROR_MARKER, OUTPUT_REFERENCE, PASS_QUEUE, WORKER_KEY_PATTERN, type PassData, type PassProgress, type PassResult, type WorkerInfo } from './farm-protocol.js';

type Outcome = { result?: PassResult; error?: Error };

interface InFlight {
  job: RenderJob;
  /** Early posters being downloaded: the pass settles after them (within POSTER_WAIT_MS). */
  posters: Promise<void>[];
  /** Set once Redis has the pass: before that, "unknown" means not yet, not lost. */
  queued: boolean;
  /** Set once the outcome is known: later events and checks leave the pass alone. */
  concluded: boolean;
  /** Set once the engine has the outcome: a poster downloaded later is dropped. */
  settled: boolean;
  settle: (outcome: Outcome) => void;
}

export interface FarmCounts {
  workers: number;
  waiting: number;
  active: number;
}

/** How long finished passes stay in Redis (for `renderbay status` and benchmarks). */
const KEEP_FINISHED = { age: 3600, count: 1000 };
/** How long one question to Redis may take in a check before that check gives up until the next round (ms). */
const ANSWER_MS = 5_000;
/** How long a completed pass waits for its early posters' downloads (they are in its final outputs anyway) (ms). */
const POSTER_WAIT_MS = 30_000;

export class FarmDispatcher implements EngineCompanion {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  /** Runs BullMQ's stall check only (it takes no pass): a dead worker's pass is noticed even when no other worker runs. */
  private readonly stallCheck: Worker;
  private readonly connections: Redis[];
  private readonly inFlight = new Map<string, InFlight>();
  private checker: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly store: FileStore,
    private readonly config: FarmConfig,
    private readonly log: (message: string) => void,
  ) {
    this.connections = [redisClient(config.queueUrl), redisClient(config.queueUrl), redisClient(config.queueUrl)];
    this.queue = new Queue(PASS_QUEUE, { connection: this.connections[0] });
    this.events = new QueueEvents(PASS_QUEUE, { connection: this.connections[1] });
    // The same stall settings as the workers' (farm-worker.ts): whoever checks first decides.
    this.stallCheck = new Worker(PASS_QUEUE, null, { connection: this.connections[2], autorun: false, lockDuration: config.lockMs, stalledInterval: config.checkMs, maxStalledCount: 0 });
    this.queue.on('error', (error) => this.log(`queue: ${error.message}`));
    this.events.on('error', (error) => this.log(`queue events: ${error.message}`));
    this.stallCheck.on('error', (error) => this.log(`stall check: ${error.message}`));
    this.events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data as PassProgress));
    this.events.on('completed', ({ jobId }) => void this.check(jobId));
    this.events.on('failed', ({ jobId }) => void this.check(jobId));
    this.events.on('stalled', ({ jobId }) => void this.check(jobId));
  }

  /** The engine's render function (bound). */
  readonly render = (job: RenderJob): Promise<RenderResult> => this.dispatch(job);

  async start(): Promise<void> {
    await this.queue.waitUntilReady();
    await this.events.waitUntilReady();
    // What a previous control plane queued is re-queued from SQLite by the engine's recovery.
    const [waiting, active] = await Promise.all([this.queue.getWaiting(), this.queue.getActive()]);
    for (const job of waiting) await job.remove().catch(() => undefined);
    const client = await this.queue.backend.client;
    for (const job of active) if (job.id) await client.set(cancelKey(job.id), '1', { EX: 3600 });
    if (waiting.length + active.length > 0) this.log(`removed ${waiting.length} waiting and stopped ${active.length} running pass(es) of a previous control plane`);
    await this.stallCheck.startStalledCheckTimer();
    this.checker = setInterval(() => void this.checkAll(), this.config.checkMs);
    this.checker.unref();
  }

  async stop(): Promise<void> {
    if (this.checker) clearInterval(this.checker);
    await Promise.allSettled([this.events.close(), this.queue.close(), this.stallCheck.close(true)]);
    for (const connection of this.connections) connection.disconnect();
    this.store.remote?.close();
  }

  /** Workers whose heartbeat is fresh, and passes waiting and running (`renderbay status`, /v1/health). */
  async counts(): Promise<FarmCounts> {
    return withTimeout(farmCounts(this.queue), 2000, 'the farm queue (Redis) did not answer');
  }

  private async dispatch(job: RenderJob): Promise<RenderResult> {
    const data: PassData = {
      passId: job.passId ?? 'pass',
      settings: job.settings,
      ...(job.variantSettings ? { variantSettings: job.variantSettings } : {}),
      modelKey: await this.inStore(job.modelPath),
      overlays: {},
      environments: {},
    };
    for (const [id, overlay] of Object.entries(job.overlays ?? {})) data.overlays[id] = { key: await this.inStore(overlay.path), alignment: overlay.alignment };
    for (const [id, file] of Object.entries(job.environments ?? {})) data.environments[id] = await this.inStore(file);
    const jobId = `pass-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const outcome = new Promise<Outcome>((resolve) => {
      const pass: InFlight = {
        job,
        posters: [],
        queued: false,
        concluded: false,
        settled: false,
        settle: (outcome) => {
          pass.concluded = pass.settled = true;
          resolve(outcome);
        },
      };
      this.inFlight.set(jobId, pass);
    });
    const stop = () => this.stopPass(jobId);
    job.signal?.addEventListener('abort', stop, { once: true });
    try {
      if (job.signal?.aborted) stop();
      else {
        // Raced with the outcome: while Redis is away `add` waits, and a stop must not.
        const added = this.queue.add('pass', data, { jobId, attempts: 1, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED });
        await Promise.race([added.then(() => this.markQueued(jobId)), outcome]);
      }
      const { result, error } = await outcome;
      if (error) throw error;
      return await this.collect(job, result as PassResult);
    } finally {
      job.signal?.removeEventListener('abort', stop);
      this.inFlight.delete(jobId);
    }
  }

  /** The store key of a file the engine names by path: a stored file's name is its key; anything else is hashed. */
  private async inStore(file: string): Promise<string> {
    const name = basename(file);
    const key = isObjectKey(name) ? name : await hashFile(file);
    await this.store.putRemote(key, file);
    return key;
  }

  /** Its renders are gone (or the server stops): the worker is told, the engine stops waiting. */
  private stopPass(jobId: string): void {
    const pass = this.inFlight.get(jobId);
    pass?.settle({ error: new RenderbayError('render_cancelled', 'The pass was stopped', 500) });
    this.dropPass(jobId);
  }

  /**
   * Nobody wants the pass any more: off the queue if it still waits, and flagged so that a
   * worker still rendering it (a stalled one that was only slow) stops. A worker that takes
   * a stalled pass first fails it at once (BullMQ's deferred failure).
   */
  private dropPass(jobId: string): void {
    void this.queue.backend.client
      .then(async (client) => {
        await client.set(cancelKey(jobId), '1', { EX: 3600 });
        await this.queue.remove(jobId).catch(() => undefined);
      })
      .catch((error: Error) => this.log(`could not stop pass ${jobId}: ${error.message}`));
  }

  private markQueued(jobId: string): void {
    const pass = this.inFlight.get(jobId);
    if (pass) pass.queued = true;
  }

  private onProgress(jobId: string, progress: PassProgress): void {
    const pass = this.inFlight.get(jobId);
    if (!pass || pass.concluded || typeof progress !== 'object' || progress === null) return;
    if (progress.type === 'progress') pass.job.onProgress?.({ stage: progress.stage, framesDone: progress.framesDone, framesTotal: progress.framesTotal });
    else if (progress.type === 'poster' && pass.job.onPoster) {
      const onPoster = pass.job.onPoster;
      pass.posters.push(
        (async () => {
          const files: Record<string, string> = {};
          for (const [output, stored] of Object.entries(progress.files)) files[output] = await this.fetchOutput(pass.job, stored.key, `early/${progress.variant}/${stored.name}`);
          // The engine moved on (the renders may be queued again): too late to publish.
          if (!pass.settled) onPoster(files as unknown as PosterFiles, progress.variant);
        })().catch((error: Error) => this.log(`could not fetch an early poster: ${error.message}`)),
      );
    }
  }

  /** One round over every in-flight pass; each check is bounded, so a round always ends. */
  private async checkAll(): Promise<void> {
    if (this.checking) return; // Redis is slow or away: one round at a time
    this.checking = true;
    try {
      await Promise.all([...this.inFlight.keys()].map((jobId) => this.check(jobId)));
    } finally {
      this.checking = false;
    }
  }

  /** Settles a pass that finished, failed, stalled or was lost, from its state in Redis (not from events, which may be missed). */
  private async check(jobId: string): Promise<void> {
    const pass = this.inFlight.get(jobId);
    if (!pass?.queued || pass.concluded) return;
    try {
      const outcome = await this.outcomeOf(jobId);
      if (!outcome || pass.concluded) return;
      pass.concluded = true;
      // The engine hears of the early posters before the outcome, as from a local render (but
      // never waits for a download forever, and this check round does not wait for it at all).
      void withTimeout(Promise.all(pass.posters), POSTER_WAIT_MS, 'early posters')
        .catch(() => undefined)
        .then(() => pass.settle(outcome));
    } catch (error) {
      if (!(error instanceof RenderbayError && error.code === 'queue_unavailable')) this.log(`checking pass ${jobId}: ${(error as Error).message}`);
    }
  }

  /** The pass's outcome if it has one: completed, failed, stalled (deferred failure) or lost; null while it waits or runs. */
  private async outcomeOf(jobId: string): Promise<Outcome | null> {
    const state = await withTimeout(this.queue.getJobState(jobId), ANSWER_MS, 'the farm queue (Redis) did not answer');
    if (state === 'unknown') return { error: new PassLost('the farm queue lost the pass (Redis restarted without its data)') };
    if (state === 'active' || state === 'waiting-children') return null;
    const job = await withTimeout(Job.fromId<PassData, PassResult>(this.queue, jobId), ANSWER_MS, 'the farm queue (Redis) did not answer');
    if (!job) return null; // removed since: the next round reads "unknown"
    if (state === 'completed') return { result: job.returnvalue };
    if (state === 'failed') return { error: passFailure(job.failedReason) };
    // Waiting (or delayed, prioritized): a pass whose worker died is back here with BullMQ's
    // deferred failure. Nobody need take it only to fail it: off the queue, failed now.
    if (!job.deferredFailure) return null;
    this.dropPass(jobId);
    return { error: passFailure(job.deferredFailure) };
  }

  /** Downloads a finished pass's outputs to where a local render would have put them. */
  private async collect(job: RenderJob, { result, outputs }: PassResult): Promise<RenderResult> {
    const local = new Map<string, string>();
    for (const [name, stored] of Object.entries(outputs)) local.set(name, await this.fetchOutput(job, stored.key, name));
    return JSON.parse(JSON.stringify(result), (_key, value: unknown) =>
      typeof value === 'string' && value.startsWith(OUTPUT_REFERENCE) ? (local.get(value.slice(OUTPUT_REFERENCE.length)) ?? value) : value,
    ) as RenderResult;
  }

  private async fetchOutput(job: RenderJob, key: string, name: string): Promise<string> {
    const destination = join(job.outputDirectory, name);
    if (!this.store.remote) throw new Error('no object store');
    await mkdir(dirname(destination), { recursive: true });
    // Already here (the early poster again, a variant's identical file): no second download.
    if (this.store.has(key)) await copyFile(this.store.pathOf(key), destination).catch(() => this.store.remote!.download(key, destination));
    else await this.store.remote.download(key, destination);
    this.store.noteRemote(key);
    return destination;
  }
}

/** The failure a worker reported (a RenderbayError's JSON), or BullMQ's own (a stalled worker). */
export function passFailure(reason: string | undefined): RenderbayError {
  const text = reason ?? 'unknown failure';
  if (text.startsWith(ERROR_MARKER)) {
    try {
      const { code, message, status } = JSON.parse(text.slice(ERROR_MARKER.length)) as { code: string; message: string; status: number };
      return new RenderbayError(code, message, status);
    } catch {
      /* fall through */
    }
  }
  if (/stalled/i.test(text)) return new RenderbayError('worker_lost', 'The farm worker rendering this pass stopped answering (it crashed, was killed or lost its connection)', 500);
  return new RenderbayError('internal', `The farm worker failed: ${text}`, 500);
}

/** The workers whose heartbeat has not expired. */
export async function listWorkers(client: RedisClient): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, { MATCH: WORKER_KEY_PATTERN, COUNT: 100 });
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const values = await Promise.all(keys.map((key) => client.get(key)));
  return values.filter((value): value is string => value !== null).map((value) => JSON.parse(value) as WorkerInfo);
}

/** Workers alive and passes waiting and running on a queue. */
export async function farmCounts(queue: Queue): Promise<FarmCounts> {
  const [counts, workers] = await Promise.all([queue.getJobCounts('waiting', 'active'), listWorkers(await queue.backend.client)]);
  return { workers: workers.length, waiting: counts.waiting ?? 0, active: counts.active ?? 0 };
}

/** Commands wait for Redis to come back (maxRetriesPerRequest: null): a caller that must answer now gives up after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RenderbayError('queue_unavailable', what, 503)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
