/**
 * The job engine: a persistent queue in SQLite drained by renderer worker processes.
 *
 * - Claims the oldest pending render together with the pending renders of the same model
 *   that can share its rendering pass (render-pass.ts): identical settings get the same
 *   files; settings that differ only in background become variants composited from the
 *   same rendered frames.
 * - Moves renders through pending → poster-processing → poster-done (the poster is stored,
 *   the video still renders and encodes) → video-processing (the worker is done; outputs
 *   are being stored) → done, with progress and stage; publishes the poster as soon as it
 *   exists.
 * - Server-side failures are retried up to the configured attempts; a render that fails
 *   for good is set to `error` and its credits are refunded in the same transaction.
 * - `done` and `error` are announced (render.complete / render.failed, src/webhooks/events.ts)
 *   in the transaction that sets them; system previews are announced as model events instead.
 * - A system preview's verdict marks its model valid or invalid; a preview given up after
 *   its last attempt (crashes, restarts) marks it invalid with the reason.
 * - On start, renders left mid-way by a crash are re-queued (or failed once out of
 *   attempts); on stop, running renders are stopped and re-queued without losing an attempt.
 * - Several processes may share a data directory (`serve` and agents' `renderbay mcp`):
 *   they all create work, one of them — the holder of the engine lock — renders it. The
 *   holder polls the database for work created elsewhere and for renders deleted
 *   elsewhere; when it exits or dies, another process takes over and recovers.
 * Rendering happens in child processes, so none of this ever blocks the API.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext, RenderQueue } from '../context.js';
import { recordCreditChange } from '../credits/ledger.js';
import { RenderbayError } from '../errors.js';
import { nowIso } from '../ids.js';
import { markModelVerdict } from '../models/model-service.js';
import { renderToDirectory, type RenderJob, type RenderProgress } from '../render/render-engine.js';
import type { OverlayImage } from '../render/render-plan.js';
import type { RenderOutputs, RenderResult } from '../render/worker-protocol.js';
import { resolveRenderEnvironment } from '../environments/environment-service.js';
import { getOverlayFile } from '../overlays/overlay-service.js';
import { isStillAssetName, renderAssets, stillAssets, storedAs, type AssetName, type RenderAssets, type StillAssetName } from '../renders/render-assets.js';
import { modelFileKeys, releaseFiles, storeAndReference } from '../storage/file-references.js';
import { ACTIVE_STATUSES, toRenderItem, type RenderRow, type RenderStatus } from '../renders/render-service.js';
import { deleteExpiredRenders, RETENTION_INTERVAL_MS } from '../renders/render-retention.js';
import { deleteExpiredGenerations } from '../generation/generation-retention.js';
import { deleteExpiredUploads, expiringUploadDirectories } from '../storage/upload-folders.js';
import type { RenderSettings } from '../settings/render-settings.js';
import { announceRenderChange, publishEvent, type WebhookEvent } from '../webhooks/events.js';
import { announceFinishedJobs } from '../workflow/job-events.js';
import { EngineLock, isProcessAlive } from './engine-lock.js';
import { groupPass, type PassVariant, type PendingRender } from './render-pass.js';

const NAME = 'job-engine';
/** How often the lock holder looks for work created by other processes, and others for a free lock. */
const POLL_MS = 1000;

/** Failures caused by the model or the request: retrying cannot help. */
const USER_ERROR_CODES = new Set([
  'invalid_model',
  'invalid_format',
  'unsupported_extension',
  'file_too_large',
  'invalid_settings',
  'file_not_found',
  'overlay_not_found',
  'environment_not_found',
  'invalid_overlay',
]);

/** Which published file becomes which asset. */
const OUTPUT_ASSETS: Record<string, AssetName> = { video: 'video', web: 'web', thumb: 'thumb', posterThumb: 'poster', poster: 'posterFull', dataset: 'dataset' };

export type RenderFunction = (job: RenderJob) => Promise<RenderResult>;

/**
 * Thrown by a render function when its pass was lost through no fault of the render (a
 * render farm's Redis lost its data): the renders go back to the queue without the try
 * counting against their attempts.
 */
export class PassLost extends Error {}

/** What runs beside the engine for as long as it does (a render farm's queue connection). */
export interface EngineCompanion {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A claimed pass: its variants (first = the oldest render's), their overlay files and the model. */
interface Claim {
  variants: PassVariant[];
  overlays: Record<string, OverlayImage>;
  /** Uploaded environment files by id (environmentImage). */
  environments: Record<string, string>;
  modelPath: string;
  modelId: string;
}

interface RunningJob {
  /** The renders each variant of the pass serves (emptied as renders are deleted). */
  variants: Set<string>[];
  /** Every render the pass serves. */
  readonly renderIds: Set<string>;
  workerPid: number | null;
  /** Aborted when the job is stopped on purpose: a render function without a local worker (the farm) stops through it. */
  readonly abort: AbortController;
  /** Set when the job was stopped on purpose (shutdown or deletion), so its failure is not a failure. */
  stopped: 'shutdown' | 'cancelled' | null;
  done: Promise<void>;
}

export class JobEngine implements RenderQueue {
  private readonly running = new Map<string, RunningJob>();
  private scheduled = false;
  private stopping = false;
  private readonly lock: EngineLock;
  private poller: NodeJS.Timeout | null = null;
  private nextRetentionAt = 0;

  constructor(
    private readonly context: Omit<AppContext, 'queue'>,
    private readonly render: RenderFunction = renderToDirectory,
    private readonly log: (message: string) => void = (message) => process.stderr.write(`${NAME}: ${message}\n`),
    private readonly companion: EngineCompanion | null = null,
  ) {
    this.lock = new EngineLock(context.config.dataDirectory);
  }

  /** Whether this process renders (holds the engine lock) or only creates work. */
  get isRendering(): boolean {
    return this.lock.isHeld;
  }

  /** Takes the engine lock if free (recovering from a crash, then draining the queue) and keeps watching. */
  async start(): Promise<void> {
    await this.companion?.start();
    await this.tick();
    this.poller = setInterval(() => void this.tick(), POLL_MS);
    this.poller.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    if (!this.lock.isHeld) {
      if (!this.lock.tryAcquire()) return;
      // The previous holder is gone: whatever it left mid-way is ours to recover.
      this.recover();
    }
    if (this.running.size === 0) await this.context.store.sweepTemp(isProcessAlive);
    this.applyRetention();
    this.stopDeletedRenders();
    this.notify();
  }

  /** `retentionDays` (when set): deletes old finished renders at start, then hourly. */
  private applyRetention(): void {
    const days = this.context.config.retentionDays;
    if (days === null || Date.now() < this.nextRetentionAt) return;
    this.nextRetentionAt = Date.now() + RETENTION_INTERVAL_MS;
    try {
      const { renders, bytes } = deleteExpiredRenders(this.context, days);
      if (renders > 0) this.log(`retention: deleted ${renders} render(s) finished more than ${days} day(s) ago, freed ${bytes} bytes`);
      const generated = deleteExpiredGenerations(this.context, days);
      if (generated.deleted > 0) this.log(`retention: deleted ${generated.deleted} generation(s)/restyle(s) finished more than ${days} day(s) ago, freed ${generated.bytes} bytes`);
    } catch (error) {
      this.log(`retention: ${(error as Error).message} (tried again next hour)`);
    }
    for (const directory of expiringUploadDirectories(this.context.config.dataDirectory)) {
      void deleteExpiredUploads(directory, days).then(
        ({ files, bytes }) => { if (files > 0) this.log(`retention: deleted ${files} upload(s) in ${directory} older than ${days} day(s), freed ${bytes} bytes`); },
        (error: Error) => this.log(`retention: ${error.message} (tried again next hour)`),
      );
    }
  }

  /** Renders deleted by another process: stop their workers. */
  private stopDeletedRenders(): void {
    const exists = this.context.db.prepare('SELECT 1 FROM renders WHERE id = ?').pluck();
    for (const job of this.running.values()) {
      for (const id of [...job.renderIds]) if (!exists.get(id)) void this.cancel(id);
    }
  }

  notify(): void {
    if (this.scheduled || this.stopping || !this.lock.isHeld) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.schedule();
    });
  }

  async cancel(renderId: string): Promise<void> {
    for (const job of this.running.values()) {
      if (!job.renderIds.has(renderId)) continue;
      for (const variant of job.variants) variant.delete(renderId);
      if (job.renderIds.size > 0) return; // others still want this pass
      job.stopped = 'cancelled';
      killQuietly(job.workerPid);
      job.abort.abort();
      await job.done;
      return;
    }
  }

  /** Stops taking work, stops running renders and puts them back in the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.poller) clearInterval(this.poller);
    const jobs = [...this.running.values()];
    for (const job of jobs) {
      job.stopped = 'shutdown';
      killQuietly(job.workerPid);
      job.abort.abort();
    }
    await Promise.all(jobs.map((job) => job.done));
    await this.companion?.stop();
    this.lock.release();
    await this.context.store.removeOwnTemp();
  }

  /** Renders being worked on now (for health and tests). */
  get activeRenderIds(): string[] {
    return [...this.running.values()].flatMap((job) => [...job.renderIds]);
  }

  private recover(): void {
    const { db, config } = this.context;
    const interrupted = db
      .prepare(`SELECT * FROM renders WHERE status IN (${ACTIVE_STATUSES.map(() => '?').join(', ')})`)
      .all(...ACTIVE_STATUSES) as RenderRow[];
    for (const row of interrupted) {
      if (row.attempts >= config.maxRenderAttempts) {
        const error = new RenderbayError('render_interrupted', `The render was interrupted ${row.attempts} times (server restarts) and was given up`, 500);
        this.fail([row.id], error);
        this.recordGivenUp([row.id], error);
      } else {
        this.requeue([row.id], false);
      }
    }
    if (interrupted.length > 0) this.log(`recovered ${interrupted.length} interrupted render(s)`);
  }

  private schedule(): void {
    while (!this.stopping && this.running.size < this.context.config.concurrency) {
      const claim = this.claimNext();
      if (!claim) return;
      const variants = claim.variants.map((variant) => new Set(variant.renderIds));
      const job: RunningJob = {
        variants,
        get renderIds() {
          return new Set(variants.flatMap((ids) => [...ids]));
        },
        workerPid: null,
        abort: new AbortController(),
        stopped: null,
        done: Promise.resolve(),
      };
      const key = claim.variants[0].renderIds[0];
      job.done = this.run(job, claim, key).finally(() => {
        this.running.delete(key);
        this.notify();
      });
      this.running.set(key, job);
    }
  }

  /**
   * Atomically takes the oldest pending render and the pending renders that share its
   * pass. Variants whose overlays were deleted since they were created fail here (and are
   * refunded) without holding up the others.
   */
  private claimNext(): Claim | null {
    const { db, store } = this.context;
    return db.transaction((): Claim | null => {
      for (;;) {
        // rowid is insertion order: strictly first in, first out (timestamps tie within a
        // millisecond, e.g. a model's system preview and the paid render created with it).
        const first = db.prepare("SELECT id, model_id, account_id, settings FROM renders WHERE status = 'pending' ORDER BY rowid LIMIT 1").get() as
          | (PendingRender & { model_id: string; account_id: string })
          | undefined;
        if (!first) return null;
        const candidates = db
          .prepare("SELECT id, settings FROM renders WHERE status = 'pending' AND model_id = ? AND account_id = ? ORDER BY rowid")
          .all(first.model_id, first.account_id) as PendingRender[];
        const variants: PassVariant[] = [];
        const overlays: Record<string, OverlayImage> = {};
        const environments: Record<string, string> = {};
        for (const variant of groupPass(first, candidates)) {
          try {
            Object.assign(overlays, this.resolveOverlays(first.account_id, variant.settings));
            Object.assign(environments, resolveRenderEnvironment(this.context as AppContext, first.account_id, variant.settings));
            variants.push(variant);
          } catch (error) {
            this.fail(variant.renderIds, error as RenderbayError);
          }
        }
        if (variants.length === 0) continue; // all failed: look again
        const now = nowIso();
        const claim = db.prepare(
          "UPDATE renders SET status = 'poster-processing', stage = 'loading', progress = 0, attempts = attempts + 1, started_at = ?, updated_at = ? WHERE id = ?",
        );
        for (const id of variants.flatMap((variant) => variant.renderIds)) claim.run(now, now, id);
        announceRenderChange(db, variants.flatMap((variant) => variant.renderIds));
        const model = db.prepare('SELECT file_key FROM models WHERE id = ?').get(first.model_id) as { file_key: string };
        return { variants, overlays, environments, modelPath: store.pathOf(model.file_key), modelId: first.model_id };
      }
    })();
  }

  /** The overlay files a render's settings name (bgImageId, foregroundIds), or `overlay_not_found`. */
  private resolveOverlays(accountId: string, settings: RenderSettings): Record<string, OverlayImage> {
    const resolved: Record<string, OverlayImage> = {};
    const ids = [...(settings.bgImageId === undefined ? [] : [settings.bgImageId]), ...(settings.foregroundIds ?? [])];
    for (const id of ids) {
      const overlay = getOverlayFile(this.context as AppContext, accountId, id);
      resolved[id] = { path: this.context.store.pathOf(overlay.fileKey), alignment: overlay.alignment };
    }
    return resolved;
  }

  private async run(job: RunningJob, claim: Claim, passId: string): Promise<void> {
    const { store } = this.context;
    const workDirectory = await mkdtemp(path.join(store.tempDirectory, 'render-'));
    const postersPublished: Promise<void>[] = [];
    const progress = new ProgressWriter((status, percent, stage) => this.updateProgress([...job.renderIds], status, percent, stage));
    try {
      const result = await this.render({
        modelPath: claim.modelPath,
        settings: claim.variants[0].settings,
        variantSettings: claim.variants.length > 1 ? claim.variants.map((variant) => variant.settings) : undefined,
        overlays: claim.overlays,
        environments: claim.environments,
        outputDirectory: path.join(workDirectory, 'out'),
        signal: job.abort.signal,
        passId,
        onWorkerStarted: (pid) => {
          job.workerPid = pid;
          if (job.stopped) killQuietly(pid);
        },
        onProgress: (update) => progress.update(update),
        onPoster: (files, variant) => {
          // Every variant's poster exists after frame 0; the first variant's marks poster-done
          // for the whole pass (they share progress).
          postersPublished.push(
            this.publishPosters([...(job.variants[variant] ?? [])], workDirectory, files, variant)
              .then(() => (variant === 0 ? progress.posterDone() : undefined))
              .catch((error) => this.log(`could not publish the poster early: ${(error as Error).message}`)),
          );
        },
      });
      await Promise.all(postersPublished);
      progress.finish();
      const outputs = result.output === 'video' ? result.variants.map((variant) => variant.files) : [result.files];
      const assets: RenderAssets[] = [];
      for (const [index, files] of outputs.entries()) assets.push(await this.storeOutputs([...job.variants[index]], files, { width: result.width, height: result.height }));
      // Clean up before announcing `done`: a client that sees done never sees our leftovers.
      await rm(workDirectory, { recursive: true, force: true });
      this.markDone(job.variants.map((ids, index) => ({ ids: [...ids], assets: assets[index] })));
      if (job.renderIds.size > 0) this.recordVerdict([...job.renderIds], { valid: true });
    } catch (error) {
      await Promise.all(postersPublished);
      const ids = [...job.renderIds];
      if (ids.length === 0 || job.stopped === 'cancelled') return;
      if (job.stopped === 'shutdown' || error instanceof PassLost) {
        if (error instanceof PassLost) this.log(`render ${ids.join(', ')}: ${error.message}; queued again`);
        this.requeue(ids, true);
        return;
      }
      const failure = error instanceof RenderbayError ? error : new RenderbayError('internal', (error as Error)?.message ?? String(error), 500);
      this.handleFailure(ids, failure);
    } finally {
      await rm(workDirectory, { recursive: true, force: true });
      // A deleted model keeps its files only while a render of it is pending or running.
      this.release(modelFileKeys(this.context.db, claim.modelId));
    }
  }

  private async publishPosters(ids: string[], workDirectory: string, files: { poster: string; posterThumb: string }, variant: number): Promise<void> {
    // The worker still needs its files for the final publish: copy them, don't move them.
    const copies: { asset: AssetName; path: string }[] = [];
    for (const [output, file] of Object.entries(files)) {
      const copy = path.join(workDirectory, `early-${variant}-${path.basename(file)}`);
      await copyFile(file, copy);
      copies.push({ asset: OUTPUT_ASSETS[output], path: copy });
    }
    await storeAndReference(this.context, copies, (stored) => {
      const assets: RenderAssets = {};
      for (const [index, { asset }] of copies.entries()) assets[asset] = stored[index];
      this.mergeAssets(ids, assets);
    });
  }

  private async storeOutputs(ids: string[], files: RenderOutputs, size: { width: number; height: number }): Promise<RenderAssets> {
    const outputs = Object.entries(files as unknown as Record<string, string>)
      .filter(([output]) => OUTPUT_ASSETS[output] || isStillAssetName(output))
      .map(([output, file]) => ({ output, path: file }));
    // A render deleted meanwhile merges nothing: its outputs are released at once.
    return storeAndReference(this.context, outputs, (stored) => {
      const assets: RenderAssets = {};
      for (const [index, { output, path: file }] of outputs.entries()) {
        const asset = OUTPUT_ASSETS[output];
        if (asset) assets[asset] = storedAs(asset, stored[index], file);
        // A still: `still:<name>`, with its file name and pixel size (GET /renders/:id/stills lists them).
        else assets[output as StillAssetName] = { ...stored[index], fileName: path.basename(file), ...size };
      }
      this.mergeAssets(ids, assets);
      return assets;
    });
  }

  private markDone(variants: { ids: string[]; assets: RenderAssets }[]): void {
    const now = nowIso();
    const finish = this.context.db.prepare(
      "UPDATE renders SET status = 'done', progress = 100, stage = 'done', file_size = ?, error_code = NULL, error_message = NULL, finished_at = ?, updated_at = ? WHERE id = ?",
    );
    this.context.db.transaction(() => {
      for (const { ids, assets } of variants) for (const id of ids) finish.run(outputBytes(assets), now, now, id);
      this.announce(variants.flatMap(({ ids }) => ids), 'render.complete');
    })();
  }

  /** render.complete / render.failed for each render (system previews speak through their model's verdict). Inside the transaction. */
  private announce(ids: string[], event: WebhookEvent): void {
    announceRenderChange(this.context.db, ids); // live views hear system previews too
    const read = this.context.db.prepare('SELECT * FROM renders WHERE id = ? AND is_system_preview = 0');
    for (const id of ids) {
      const row = read.get(id) as RenderRow | undefined;
      if (row) publishEvent(this.context.db, { accountId: row.account_id, event, data: { ...toRenderItem(row) } });
    }
    announceFinishedJobs(this.context, ids); // a job whose last render this was: job.complete / job.failed
  }

  private mergeAssets(ids: string[], assets: RenderAssets): void {
    const { db } = this.context;
    const read = db.prepare('SELECT assets FROM renders WHERE id = ?');
    const write = db.prepare('UPDATE renders SET assets = ?, updated_at = ? WHERE id = ?');
    db.transaction(() => {
      for (const id of ids) {
        const row = read.get(id) as { assets: string } | undefined;
        if (row) write.run(JSON.stringify({ ...(JSON.parse(row.assets) as RenderAssets), ...assets }), nowIso(), id);
      }
    })();
  }

  private updateProgress(ids: string[], status: RenderStatus, percent: number, stage: string): void {
    const statement = this.context.db.prepare(
      `UPDATE renders SET status = ?, progress = ?, stage = ?, updated_at = ? WHERE id = ? AND status IN (${ACTIVE_STATUSES.map(() => '?').join(', ')})`,
    );
    const now = nowIso();
    this.context.db.transaction(() => {
      for (const id of ids) statement.run(status, percent, stage, now, id, ...ACTIVE_STATUSES);
    })();
    announceRenderChange(this.context.db, ids);
  }

  private handleFailure(ids: string[], error: RenderbayError): void {
    const rows = ids.map((id) => this.context.db.prepare('SELECT * FROM renders WHERE id = ?').get(id) as RenderRow | undefined).filter(Boolean) as RenderRow[];
    const userError = USER_ERROR_CODES.has(error.code);
    const retryable = rows.filter((row) => !userError && row.attempts < this.context.config.maxRenderAttempts);
    if (retryable.length > 0) {
      this.log(`render ${retryable.map((row) => row.id).join(', ')} failed (${error.code}: ${error.message}); retrying`);
      this.requeue(retryable.map((row) => row.id), false);
    }
    const final = rows.filter((row) => !retryable.includes(row));
    if (final.length > 0) {
      this.fail(final.map((row) => row.id), error);
      if (userError) this.recordVerdict(final.map((row) => row.id), { valid: false, reason: error.message });
      else this.recordGivenUp(final.map((row) => row.id), error);
    }
  }

  /**
   * A system preview that failed on its last attempt for a server-side reason (the worker
   * crashed or was killed, the server restarted mid-render): the model is never going to
   * get a verdict from it, so it is `invalid` with the reason, not `processing` forever.
   */
  private recordGivenUp(ids: string[], error: RenderbayError): void {
    const attempts = this.context.config.maxRenderAttempts;
    this.recordVerdict(ids, { valid: false, reason: `The preview render failed on all ${attempts} attempt${attempts === 1 ? '' : 's'} (${error.code}): ${error.message}` });
  }

  /** Sets renders to `error` and refunds what they cost, in one transaction. */
  private fail(ids: string[], error: RenderbayError): void {
    const { db } = this.context;
    db.transaction(() => {
      for (const id of ids) {
        const row = db.prepare('SELECT * FROM renders WHERE id = ?').get(id) as RenderRow | undefined;
        if (!row) continue;
        db.prepare("UPDATE renders SET status = 'error', stage = 'error', error_code = ?, error_message = ?, refunded = ?, finished_at = ?, updated_at = ? WHERE id = ?").run(
          error.code,
          error.status >= 500 ? `${error.message} (credits refunded)` : `${error.message}${row.credits > 0 ? ' (credits refunded)' : ''}`,
          row.credits > 0 ? 1 : row.refunded,
          nowIso(),
          nowIso(),
          id,
        );
        if (row.credits > 0 && row.refunded === 0) recordCreditChange(db, row.account_id, row.credits, 'refund', row.id);
      }
      this.announce(ids, 'render.failed');
    })();
  }

  /** Back to the queue; `keepAttempt: false` counts the try, `true` (a shutdown) does not. */
  private requeue(ids: string[], keepAttempt: boolean): void {
    const { db } = this.context;
    const statement = db.prepare(
      `UPDATE renders SET status = 'pending', progress = 0, stage = NULL, assets = '{}', attempts = attempts - ?, updated_at = ? WHERE id = ?`,
    );
    const dropped = db.transaction(() => {
      const keys: string[] = [];
      for (const id of ids) {
        const row = db.prepare('SELECT assets FROM renders WHERE id = ?').get(id) as Pick<RenderRow, 'assets'> | undefined;
        if (row) keys.push(...Object.values(renderAssets(row)).map((asset) => asset.key)); // the early posters of the try
        statement.run(keepAttempt ? 1 : 0, nowIso(), id);
      }
      return keys;
    })();
    announceRenderChange(db, ids);
    this.release(dropped);
  }

  /** Gives back files nothing needs any more; a failure (a busy database) leaves them to `renderbay gc`, never stops the engine. */
  private release(keys: string[]): void {
    try {
      releaseFiles(this.context, keys);
    } catch (error) {
      this.log(`could not release ${keys.length} file(s), \`renderbay gc\` will: ${(error as Error).message}`);
    }
  }

  private recordVerdict(ids: string[], verdict: { valid: true } | { valid: false; reason: string }): void {
    const previews = this.context.db
      .prepare(`SELECT model_id FROM renders WHERE is_system_preview = 1 AND id IN (${ids.map(() => '?').join(', ')})`)
      .all(...ids) as { model_id: string }[];
    for (const { model_id } of previews) markModelVerdict(this.context as AppContext, model_id, verdict);
  }
}

/** A render's fileSize: its video or dataset, or all its stills together. */
function outputBytes(assets: RenderAssets): number | null {
  const main = assets.video ?? assets.dataset;
  if (main) return main.size;
  const stills = stillAssets(assets);
  return stills.length > 0 ? stills.reduce((sum, still) => sum + still.asset.size, 0) : null;
}

function killQuietly(pid: number | null): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** The share of frames rendered, mapped onto 5–95 %. */
function renderingPercent({ framesDone, framesTotal }: RenderProgress): number {
  return Math.round(5 + (framesTotal > 0 ? framesDone / framesTotal : 0) * 90);
}

/**
 * Maps worker progress to status, percent and stage, and writes only when something a
 * client can see changed (at most ~100 writes per render). The status follows the real
 * stages and never goes back: `poster-processing` until the poster is stored, `poster-done`
 * while the rest of the frames render and the encoders finish, `video-processing` for the
 * finishing step (outputs hashed and moved into the store), then `done` (markDone).
 */
class ProgressWriter {
  private last = '';
  private posterReady = false;
  private finishing = false;
  private latest: RenderProgress | null = null;

  constructor(private readonly write: (status: RenderStatus, percent: number, stage: string) => void) {}

  update(progress: RenderProgress): void {
    this.latest = progress;
    if (this.finishing) return;
    // Rendering is 5–95 %; loading before it, the encoder's finish and publishing after.
    const percent = progress.stage === 'rendering' ? renderingPercent(progress) : progress.stage === 'encoding' ? 96 : progress.stage === 'preparing' ? 3 : 1;
    this.writeOnce(this.posterReady ? 'poster-done' : 'poster-processing', percent, progress.stage);
  }

  posterDone(): void {
    if (this.posterReady || this.finishing) return;
    this.posterReady = true;
    const percent = this.latest ? renderingPercent(this.latest) : 5;
    this.writeOnce('poster-done', percent, this.latest?.stage ?? 'rendering');
  }

  /** The worker is done (every output encoded); what is left is publishing them. */
  finish(): void {
    this.finishing = true;
    this.writeOnce('video-processing', 97, 'finishing');
  }

  private writeOnce(status: RenderStatus, percent: number, stage: string): void {
    const key = `${status}|${percent}|${stage}`;
    if (key === this.last) return;
    this.last = key;
    this.write(status, percent, stage);
  }
}
