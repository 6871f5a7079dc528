/**
 * Generations: a prompt (or an image) becomes a Renderbay model through providers — the
 * image from the text-to-image provider (or the one given), the GLB from the image-to-3D
 * provider, ingested like any upload (validated, normalised, preview rendered), USDZ by
 * our exporter, the image kept as JPEG. Stages and progress follow the Grok 3D pipeline's
 * document (initializing → generating_image → generating_3d → converting_usdz → complete,
 * or error); the Grok surface, the MCP tool `generate_model` and /v1 read the same rows.
 * Credits are reserved at the start and refunded once if the job fails (a provider error,
 * a broken GLB, a timeout, an interrupted server).
 *
 * Restyles (image → image or video, the 3Dimensions kinds) live in restyle-service.ts and
 * are re-exported here, so the surfaces import one module.
 *
 * ```ts
 * const started = startGeneration(context, accountId, { prompt: 'a red chair' });
 * const finished = await whenGenerationFinished(context, accountId, started.id, 600_000);
 * ```
 */
import { findOwnedRow } from '../db/statements.js';
import type { AppContext } from '../context.js';
import { generationPrice } from '../credits/prices.js';
import { RenderbayError } from '../errors.js';
import { nowIso } from '../ids.js';
import { LIMITS } from '../limits.js';
import { assertProviderConfigured } from '../providers/provider-registry.js';
import { assertInputImage } from './generation-image.js';
import { runGeneration } from './generation-runner.js';
import { failJob, insertReservedJob, isStale } from './provider-job.js';
import { announceChange, whenSettled } from './settle-wait.js';

export { getRestyle, startRestyle, whenRestyleFinished, type RestyleItem, type RestyleKind, RESTYLE_KINDS } from './restyle-service.js';

export type GenerationStatus = 'queued' | 'processing' | 'complete' | 'error';
export type GenerationStage = 'initializing' | 'generating_image' | 'generating_3d' | 'converting_usdz' | 'complete' | 'error';

export interface GenerationItem {
  id: string;
  prompt: string | null;
  status: GenerationStatus;
  stage: GenerationStage;
  /** 0–100. */
  progress: number;
  /** ISO 8601. */
  createdAt: string;
  error: string | null;
  /** The Renderbay model once the GLB is ingested. */
  modelId: string | null;
}

export interface GenerationRow {
  id: string;
  account_id: string;
  prompt: string | null;
  status: GenerationStatus;
  stage: GenerationStage;
  progress: number;
  error: string | null;
  credits: number;
  refunded: number;
  input_key: string | null;
  image_key: string | null;
  model_id: string | null;
  heartbeat_at: number;
  created_at: string;
  updated_at: string;
}

export interface GenerationInput {
  prompt?: string;
  image?: Buffer;
}

function toItem(row: GenerationRow): GenerationItem {
  return {
    id: row.id,
    prompt: row.prompt,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    createdAt: row.created_at,
    error: row.error,
    modelId: row.model_id,
  };
}

function parseInput(input: unknown): { prompt: string | null; image: Buffer | null } {
  const { prompt, image } = (input ?? {}) as { prompt?: unknown; image?: unknown };
  if (prompt !== undefined && typeof prompt !== 'string') throw new RenderbayError('invalid_request', 'prompt must be a string');
  const text = typeof prompt === 'string' ? prompt.trim() : '';
  if (text.length > LIMITS.maxGenerationPromptLength) {
    throw new RenderbayError('invalid_request', `prompt is longer than ${LIMITS.maxGenerationPromptLength} characters`);
  }
  const bytes = image === undefined ? null : assertInputImage(image);
  if (text === '' && bytes === null) throw new RenderbayError('invalid_request', 'Give a prompt (text describing the object) or an image of it');
  return { prompt: text === '' ? null : text, image: bytes };
}

/**
 * Starts a generation and returns it queued; the work runs in this process. Refused before
 * anything is reserved: `invalid_request` (400), `provider_not_configured` (503, naming the
 * variable to set; the text-to-image provider is needed only without an image), `no_credits` (402).
 */
export function startGeneration(context: AppContext, accountId: string, input: GenerationInput): GenerationItem {
  const { prompt, image } = parseInput(input);
  if (image === null) assertProviderConfigured('text-to-image');
  assertProviderConfigured('image-to-3d');
  const id = insertReservedJob(context.db, 'generations', accountId, generationPrice().credits, { prompt, status: 'queued', stage: 'initializing', progress: 0 });
  void runGeneration(context, accountId, id, { prompt, image });
  return getGeneration(context, accountId, id);
}

export function findGenerationRow(context: Pick<AppContext, 'db'>, accountId: string, id: unknown): GenerationRow {
  return findOwnedRow<GenerationRow>(context.db, 'generations', accountId, id, () => new RenderbayError('generation_not_found', 'Generation not found', 404));
}

/** A generation of this account (`generation_not_found`, 404, for any other id). One whose process stopped is failed and refunded here. */
export function getGeneration(context: Pick<AppContext, 'db'>, accountId: string, id: unknown): GenerationItem {
  const row = findGenerationRow(context, accountId, id);
  if ((row.status === 'queued' || row.status === 'processing') && isStale(row.heartbeat_at)) {
    failGeneration(context, row.id, 'Interrupted: the server stopped while generating (credits refunded)');
    return toItem(findGenerationRow(context, accountId, id));
  }
  return toItem(row);
}

/** Moves a running generation on (never back from a finished state). */
export function advanceGeneration(context: Pick<AppContext, 'db'>, id: string, change: { status?: GenerationStatus; stage?: GenerationStage; progress?: number; modelId?: string; imageKey?: string }): void {
  context.db
    .prepare(
      `UPDATE generations SET status = coalesce(@status, status), stage = coalesce(@stage, stage), progress = coalesce(@progress, progress),
              model_id = coalesce(@modelId, model_id), image_key = coalesce(@imageKey, image_key), heartbeat_at = @now, updated_at = @updated
        WHERE id = @id AND status IN ('queued', 'processing')`,
    )
    .run({
      id,
      status: change.status ?? null,
      stage: change.stage ?? null,
      progress: change.progress === undefined ? null : Math.round(Math.min(100, Math.max(0, change.progress))),
      modelId: change.modelId ?? null,
      imageKey: change.imageKey ?? null,
      now: Date.now(),
      updated: nowIso(),
    });
  announceChange(id);
}

/** Fails a generation that has not finished, with its reason, and refunds it (once). */
export function failGeneration(context: Pick<AppContext, 'db'>, id: string, message: string): void {
  failJob(context.db, 'generations', id, message);
}

/** The finished files of a generation: the image (JPEG), the model's normalised GLB, its USDZ; null while one does not exist (yet). */
export function generationAsset(context: AppContext, accountId: string, id: unknown, type: 'image' | 'glb' | 'usdz'): { path: string; contentType: string } | null {
  const row = findGenerationRow(context, accountId, id);
  const existing = (key: string | null, contentType: string) => (key && context.store.has(key) ? { path: context.store.pathOf(key), contentType } : null);
  if (type === 'image') return existing(row.image_key, 'image/jpeg');
  if (row.model_id === null) return null;
  const model = context.db.prepare('SELECT file_key, usdz_key, status, deleted_at FROM models WHERE id = ?').get(row.model_id) as
    | { file_key: string; usdz_key: string | null; status: string; deleted_at: string | null }
    | undefined;
  if (!model || model.deleted_at !== null || model.status === 'invalid') return null;
  return type === 'glb' ? existing(model.file_key, 'model/gltf-binary') : existing(model.usdz_key, 'model/vnd.usdz+zip');
}

/** The generation once its stage, progress or status differs from `seen` (or it finished), or as it stands at the timeout (MCP progress). */
export function whenGenerationChanges(
  context: AppContext,
  accountId: string,
  id: string,
  seen: Pick<GenerationItem, 'status' | 'stage' | 'progress'> | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<GenerationItem> {
  const changed = (item: GenerationItem) =>
    seen === null || item.status !== seen.status || item.stage !== seen.stage || item.progress !== seen.progress || item.status === 'complete' || item.status === 'error';
  return whenSettled(id, () => getGeneration(context, accountId, id), changed, timeoutMs, signal);
}

/** The generation once complete or failed, or as it stands when `timeoutMs` passes or `signal` aborts. */
export function whenGenerationFinished(context: AppContext, accountId: string, id: string, timeoutMs: number, signal?: AbortSignal): Promise<GenerationItem> {
  return whenSettled(id, () => getGeneration(context, accountId, id), (item) => item.status === 'complete' || item.status === 'error', timeoutMs, signal);
}
