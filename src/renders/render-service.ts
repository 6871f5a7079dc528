/**
 * Renders: creation (single and batch, paid in the same transaction that inserts them,
 * all-or-nothing), listing, status, dismissal and deletion. The job engine moves them
 * through their statuses; this module never renders anything itself.
 */
import type { AppContext } from '../context.js';
import { recordCreditChange } from '../credits/ledger.js';
import { findOwnedRow } from '../db/statements.js';
import { priceOf } from '../credits/prices.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { findModelRow, type ModelRow } from '../models/model-service.js';
import { parseRenderSettings, type RenderSettings } from '../settings/render-settings.js';
import { cameraInsideModel } from '../settings/camera-settings.js';
import { resolveRenderEnvironment } from '../environments/environment-service.js';
import { assertRenderOverlays } from '../overlays/overlay-service.js';
import { assertAnimationClip, clipNamesReadOnce, type ClipNameReader } from '../models/model-animations.js';
import { resolveTemplateInput } from '../templates/template-service.js';
import { expandMaterialVariant, variantNamesReadOnce, type VariantNameReader } from '../models/model-variants.js';
import { renderAssets } from './render-assets.js';
import { modelFileKeys, releaseFiles } from '../storage/file-references.js';

export const RENDER_STATUSES = ['pending', 'poster-processing', 'poster-done', 'video-processing', 'done', 'error', 'failed'] as const;
export type RenderStatus = (typeof RENDER_STATUSES)[number];
/** Statuses of a render a worker is busy with. */
export const ACTIVE_STATUSES: RenderStatus[] = ['poster-processing', 'poster-done', 'video-processing'];
/** A render in one of these will not change any more (error only to failed, when dismissed). */
export const FINISHED_STATUSES: readonly RenderStatus[] = ['done', 'error', 'failed'];

export const MAX_BATCH = 100;

/** The free integrity-check render every new model gets: short and small. */
export const SYSTEM_PREVIEW_SETTINGS: RenderSettings = parseRenderSettings({ quality: 'share', length: 3 });

/** A render as it appears in a model's `renders` list; every fuller view of a render starts from this. */
export interface RenderSummary {
  id: string;
  status: RenderStatus;
  renderSettings: RenderSettings;
  createdAt: string;
  updatedAt: string;
  /** The free integrity-check render of a new model. */
  isSystemPreview: boolean;
  /** The same flag under the name the hosted docs tell users to look for; both are always sent. */
  is_system_preview: boolean;
}

export interface RenderItem extends RenderSummary {
  modelId: string;
  fileSize: number | null;
  errorMessage: string | null;
  hasWebVariant: boolean;
  /** Renderbay additions. */
  progress: number;
  stage: string | null;
  errorCode: string | null;
  credits: number;
  /** 1 for the first run, 2 after one retry (POST /renders/:id/retry), and so on. */
  attempt: number;
}

export interface RenderRow {
  id: string;
  account_id: string;
  model_id: string;
  status: RenderStatus;
  settings: string;
  is_system_preview: number;
  credits: number;
  refunded: number;
  progress: number;
  stage: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  /** Times the user retried it (POST /renders/:id/retry). */
  retries: number;
  assets: string;
  file_size: number | null;
  created_at: string;
  updated_at: string;
}

/**
 * The one place a render row is serialised: a model's `renders` list sends this, and
 * every fuller view (toRenderItem) extends it, so a field added here reaches REST and MCP alike.
 */
export const toRenderSummary = (row: RenderRow): RenderSummary => ({
  id: row.id,
  status: row.status,
  renderSettings: JSON.parse(row.settings) as RenderSettings,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  isSystemPreview: row.is_system_preview === 1,
  is_system_preview: row.is_system_preview === 1,
});

/** A render in full (`GET /renders/:id`, lists, MCP get_render): the summary plus its progress and outputs. */
export const toRenderItem = (row: RenderRow): RenderItem => {
  const assets = renderAssets(row);
  const { id, ...summary } = toRenderSummary(row);
  return {
    id,
    modelId: row.model_id,
    ...summary,
    fileSize: row.file_size,
    errorMessage: row.error_message,
    hasWebVariant: Boolean(assets.web),
    progress: row.progress,
    stage: row.stage,
    errorCode: row.error_code,
    credits: row.credits,
    attempt: row.retries + 1,
  };
};

/**
 * renderSettings arrives as an object (JSON APIs) or a JSON string (multipart forms). A
 * `templateId` in it is resolved here, for this account, before the schema reads it: the
 * result is the settings a render stores (the template's fields merged in, explicit ones
 * winning, templateId kept to say where they came from).
 */
export function parseSettingsField(context: Pick<AppContext, 'db'>, accountId: string, value: unknown): RenderSettings {
  let input = value ?? {};
  if (typeof value === 'string') {
    try {
      input = JSON.parse(value);
    } catch {
      throw new RenderbayError('invalid_settings', 'renderSettings is not valid JSON');
    }
  }
  return parseRenderSettings(resolveTemplateInput(context.db, accountId, input));
}

/**
 * Inserts one pending render and debits its price. Must run inside the caller's
 * transaction, so that the debit and the render commit together.
 */
export function insertRender(
  context: AppContext,
  accountId: string,
  modelId: string,
  settings: RenderSettings,
  options: { systemPreview: boolean },
): RenderRow {
  // Checked in the inserting transaction: a model deleted since the request was validated
  // may already have given its files back (src/storage/file-references.ts).
  if (context.db.prepare('SELECT deleted_at FROM models WHERE id = ?').pluck().get(modelId) !== null) {
    throw new RenderbayError('model_not_found', 'Model not found', 404);
  }
  const id = newId();
  const now = nowIso();
  const credits = options.systemPreview ? 0 : priceOf(settings).credits;
  context.db
    .prepare(
      `INSERT INTO renders (id, account_id, model_id, status, settings, is_system_preview, credits, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
    )
    .run(id, accountId, modelId, JSON.stringify(settings), options.systemPreview ? 1 : 0, credits, now, now);
  if (credits > 0) recordCreditChange(context.db, accountId, -credits, 'debit', id);
  return findRenderRow(context, accountId, id);
}

export function findRenderRow(context: AppContext, accountId: string, renderId: unknown): RenderRow {
  return findOwnedRow<RenderRow>(context.db, 'renders', accountId, renderId, () => new RenderbayError('render_not_found', 'Render not found', 404));
}

export function assertRenderable(context: AppContext, accountId: string, modelId: unknown): ModelRow {
  const model = findModelRow(context, accountId, modelId);
  if (model.status === 'invalid') {
    throw new RenderbayError('invalid_model', `This model failed its integrity check: ${model.invalid_reason ?? 'unknown reason'}`);
  }
  return model;
}

/** Readers a batch shares, so that many renders of one model read its clips and variants once. */
interface ModelReaders {
  clipNames?: ClipNameReader;
  variantNames?: VariantNameReader;
}

/**
 * Validates one requested render against what it names: the model (renderable), the
 * template (a built-in or the account's: resolved first), the overlays (exist, right layer),
 * the environment image (a preset or the account's), the animation clip and the material
 * variant (exist in the model). Returns the renders it becomes: itself, or in a batch with
 * `materialVariant: "*"`, one per variant of the model.
 */
async function validateRenderRequest(
  context: AppContext,
  accountId: string,
  item: unknown,
  options: { batch: boolean } & ModelReaders,
): Promise<{ modelId: string; settings: RenderSettings }[]> {
  const { modelId, renderSettings } = (item ?? {}) as { modelId?: unknown; renderSettings?: unknown };
  const model = assertRenderable(context, accountId, modelId);
  const settings = parseSettingsField(context, accountId, renderSettings);
  assertRenderOverlays(context, accountId, settings);
  resolveRenderEnvironment(context, accountId, settings);
  await assertAnimationClip(context.store.pathOf(model.file_key), settings, options.clipNames);
  assertCameraOutsideModel(model, settings);
  const variantNames = settings.materialVariant === undefined ? [] : await (options.variantNames ?? variantNamesReadOnce(context))(model);
  return expandMaterialVariant(settings, variantNames, options).map((expanded) => ({ modelId: model.id, settings: expanded }));
}

/** An explicit camera must start outside the model's bounds (known from the ingest facts). */
function assertCameraOutsideModel(model: ModelRow, settings: RenderSettings): void {
  if (settings.cameraOrbit === undefined || !model.facts) return;
  const box = (JSON.parse(model.facts) as { boundingBox?: { min: number[]; max: number[] } | null }).boundingBox;
  const inside = box ? cameraInsideModel(settings, box) : null;
  if (inside) throw new RenderbayError('invalid_settings', inside, 400);
}

export async function createRender(context: AppContext, accountId: string, body: unknown): Promise<RenderItem> {
  const [{ modelId, settings }] = await validateRenderRequest(context, accountId, body, { batch: false });
  const row = context.db.transaction(() => insertRender(context, accountId, modelId, settings, { systemPreview: false }))();
  context.queue.notify();
  return toRenderItem(row);
}

/** A created render as the batch reply lists it (with the variant it renders, when it names one). */
export interface BatchRender {
  id: string;
  modelId: string;
  status: RenderStatus;
  materialVariant?: string;
}

/**
 * Creates up to 100 renders at once: every item is validated first, then all are debited
 * and inserted in one transaction — all or nothing (`no_credits` creates none). An item
 * with `materialVariant: "*"` becomes one render per variant of its model, in the model's
 * order, each debited; the reply lists every render, at most 100 in all.
 */
export async function createBatch(
  context: AppContext,
  accountId: string,
  body: unknown,
  options: { /** Runs in the inserting transaction (a job records its renders with them, or neither exists). */ onCreated?: (rows: RenderRow[]) => void } = {},
): Promise<BatchRender[]> {
  const renders = (body as { renders?: unknown } | null)?.renders;
  if (!Array.isArray(renders) || renders.length === 0) throw new RenderbayError('renders_required', 'renders must be a non-empty array', 400);
  if (renders.length > MAX_BATCH) throw new RenderbayError('too_many', `At most ${MAX_BATCH} renders per batch (got ${renders.length})`, 400);
  const readers = { clipNames: clipNamesReadOnce(), variantNames: variantNamesReadOnce(context) };
  const items = (await validateEach(renders, (item) => validateRenderRequest(context, accountId, item, { batch: true, ...readers }))).flat();
  if (items.length > MAX_BATCH) {
    throw new RenderbayError('too_many', `At most ${MAX_BATCH} renders per batch: with materialVariant "*" expanded, these items make ${items.length}`, 400);
  }
  const needed = items.reduce((sum, item) => sum + priceOf(item.settings).credits, 0);
  const created = context.db.transaction(() => {
    const balance = (context.db.prepare('SELECT credits FROM accounts WHERE id = ?').get(accountId) as { credits: number }).credits;
    if (balance < needed) throw new RenderbayError('no_credits', `Not enough credits: ${needed} needed, ${balance} available`, 402);
    const rows = items.map((item) => insertRender(context, accountId, item.modelId, item.settings, { systemPreview: false }));
    options.onCreated?.(rows);
    return rows;
  })();
  context.queue.notify();
  return created.map((row, index) => {
    const { materialVariant } = items[index].settings;
    return { id: row.id, modelId: row.model_id, status: row.status, ...(materialVariant === undefined ? {} : { materialVariant }) };
  });
}

/**
 * Checks every item of a list and returns the results, or throws one error naming every
 * failing item (`renders[2]: …; renders[5]: …`), so a caller fixes them all in one go. The
 * error keeps the first failure's code and status.
 */
export async function validateEach<Result>(items: unknown[], validate: (item: unknown) => Promise<Result> | Result): Promise<Result[]> {
  const results: Result[] = [];
  const failures: { index: number; error: RenderbayError }[] = [];
  for (const [index, item] of items.entries()) {
    try {
      results.push(await validate(item));
    } catch (error) {
      if (!(error instanceof RenderbayError)) throw error;
      failures.push({ index, error });
    }
  }
  if (failures.length > 0) {
    const [first] = failures;
    throw new RenderbayError(first.error.code, failures.map(({ index, error }) => `renders[${index}]: ${error.message}`).join('; '), first.error.status);
  }
  return results;
}

export function listRendersOfModel(context: AppContext, modelId: string): RenderSummary[] {
  const rows = context.db.prepare('SELECT * FROM renders WHERE model_id = ? ORDER BY created_at').all(modelId) as RenderRow[];
  return rows.map(toRenderSummary);
}

export function getRender(context: AppContext, accountId: string, renderId: unknown): RenderItem {
  return toRenderItem(findRenderRow(context, accountId, renderId));
}

/** Acknowledges an errored render: `error` → `failed`. */
export function dismissRender(context: AppContext, accountId: string, renderId: unknown): RenderItem {
  const row = findRenderRow(context, accountId, renderId);
  if (row.status !== 'error') {
    throw new RenderbayError('invalid_request', `Only a render in status "error" can be dismissed (this one is "${row.status}")`, 400);
  }
  context.db.prepare("UPDATE renders SET status = 'failed', updated_at = ? WHERE id = ?").run(nowIso(), row.id);
  return getRender(context, accountId, row.id);
}

/**
 * Runs a failed render again (`error` or `failed`): the same id and settings go back to
 * `pending`, with a fresh set of server-side attempts, and its price is debited again (the
 * failure refunded it; `no_credits` when the balance is short). What it names is checked
 * again first (the model, overlays, environment), so a retry that cannot work is refused now.
 */
export async function retryRender(context: AppContext, accountId: string, renderId: unknown): Promise<RenderItem> {
  const row = findRenderRow(context, accountId, renderId);
  assertRetryable(row);
  // The stored settings are already resolved: its template is not needed again (it may be gone).
  const { templateId: _resolved, ...settings } = JSON.parse(row.settings) as RenderSettings;
  await validateRenderRequest(context, accountId, { modelId: row.model_id, renderSettings: settings }, { batch: false });
  const keys = context.db.transaction(() => {
    const current = findRenderRow(context, accountId, row.id);
    assertRetryable(current); // a concurrent retry got there first
    context.db
      .prepare(
        `UPDATE renders SET status = 'pending', progress = 0, stage = NULL, error_code = NULL, error_message = NULL, refunded = 0, attempts = 0,
                retries = retries + 1, assets = '{}', file_size = NULL, started_at = NULL, finished_at = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(nowIso(), current.id);
    if (current.credits > 0) recordCreditChange(context.db, accountId, -current.credits, 'debit', current.id);
    return Object.values(renderAssets(current)).map((asset) => asset.key); // the failed try's early posters
  })();
  releaseFiles(context, keys);
  context.queue.notify();
  return getRender(context, accountId, row.id);
}

function assertRetryable(row: RenderRow): void {
  if (row.is_system_preview === 1) {
    throw new RenderbayError('render_not_retryable', "A model's system preview cannot be retried: upload the model again once it is fixed", 409);
  }
  if (row.status !== 'error' && row.status !== 'failed') {
    throw new RenderbayError('render_not_failed', `Only a render in status "error" or "failed" can be retried (this one is "${row.status}")`, 409);
  }
}

/**
 * Deletes a render and its files. A render still queued or running is stopped first and
 * its credits are refunded: nothing was delivered.
 */
export async function deleteRender(context: AppContext, accountId: string, renderId: unknown): Promise<{ id: string; deleted: true }> {
  const row = findRenderRow(context, accountId, renderId);
  if (!FINISHED_STATUSES.includes(row.status)) await context.queue.cancel(row.id);
  const keys = context.db.transaction(() => deleteRenderRows(context, [findRenderRow(context, accountId, row.id).id]))();
  releaseFiles(context, keys);
  return { id: row.id, deleted: true };
}

/**
 * Deletes render rows (run inside the caller's transaction; workers already stopped),
 * refunding those that had not finished. Returns the stored keys this may have freed —
 * the renders' outputs, and the files of a deleted model that no render needs any more —
 * for `releaseFiles` once the transaction has committed.
 */
export function deleteRenderRows(context: Pick<AppContext, 'db'>, renderIds: string[]): string[] {
  const keys: string[] = [];
  const models = new Set<string>();
  for (const id of renderIds) {
    const row = context.db.prepare('SELECT * FROM renders WHERE id = ?').get(id) as RenderRow | undefined;
    if (!row) continue;
    const unfinished = !FINISHED_STATUSES.includes(row.status);
    if (unfinished && row.credits > 0 && row.refunded === 0) recordCreditChange(context.db, row.account_id, row.credits, 'refund', row.id);
    context.db.prepare('DELETE FROM renders WHERE id = ?').run(row.id);
    keys.push(...Object.values(renderAssets(row)).map((asset) => asset.key));
    models.add(row.model_id);
  }
  for (const modelId of models) keys.push(...modelFileKeys(context.db, modelId));
  return keys;
}
