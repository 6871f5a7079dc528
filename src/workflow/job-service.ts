/**
 * Jobs, the one-call workflow: a model (or a URL to ingest first) and a template become
 * renders — the template's bookmarks as one stills render, each of its shots as a video
 * render, and with `renderVariants` each of those once per material variant of the model.
 * The renders are created, priced and debited by the batch (all or nothing: `no_credits`
 * creates none); the job row and its render list commit in the same transaction. A job's
 * status and files derive from its renders (job-outcome.ts).
 *
 * ```ts
 * await createJob(context, accountId, { modelId, templateId: 'studio-white-packshot', renderShots: false });
 * ```
 */
import { findOwnedRow } from '../db/statements.js';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { importModelFromUrl } from '../models/model-import.js';
import { modelVariantNames } from '../models/model-variants.js';
import { parsePaging, type Page, type PagingQuery } from '../paging.js';
import { assertRenderable, createBatch, retryRender, type RenderRow } from '../renders/render-service.js';
import { whenRenderFinished } from '../renders/render-settled.js';
import { findTemplate } from '../templates/template-service.js';
import { jobRenderFiles, jobStatus, VIDEO_FILES, type JobFile, type JobStatus, type VideoFile } from './job-outcome.js';

const jobRequestSchema = z.strictObject({
  modelId: z.string({ error: 'modelId must be a string' }).min(1).optional(),
  url: z.string({ error: 'url must be a string' }).min(1).optional(),
  templateId: z.string({ error: 'templateId is required (GET /v1/templates lists them)' }).min(1, { error: 'templateId is required' }),
  renderBookmarks: z.boolean({ error: 'renderBookmarks must be true or false' }).default(true),
  renderShots: z.boolean({ error: 'renderShots must be true or false' }).default(true),
  renderVariants: z.boolean({ error: 'renderVariants must be true or false' }).default(true),
  /** The stills' size (checked by the settings schema, as for any stills render). */
  imageSize: z.string({ error: 'imageSize must be a string' }).optional(),
  /** The videos' quality tier (checked by the settings schema). */
  quality: z.string({ error: 'quality must be a string' }).optional(),
  /** Renderbay addition: which file of each video the job delivers. */
  videoFile: z.enum(VIDEO_FILES, { error: `videoFile must be one of: ${VIDEO_FILES.join(', ')}` }).default('full'),
});
export type JobRequest = z.input<typeof jobRequestSchema>;
type JobOptions = Omit<z.output<typeof jobRequestSchema>, 'modelId' | 'url' | 'templateId'>;

export interface JobItem {
  id: string;
  status: JobStatus;
  modelId: string;
  templateId: string;
  renderIds: string[];
  /** The delivered files of the renders done so far (all of them once completed). */
  files: (Omit<JobFile, 'route'> & { url: string })[];
  createdAt: string;
}

interface JobRow {
  id: string;
  account_id: string;
  model_id: string;
  template_id: string;
  options: string;
  created_at: string;
}

/** One render a job asks for: the batch item, and the shot it renders (null: the bookmarks). */
interface PlannedRender {
  item: { modelId: string; renderSettings: Record<string, unknown> };
  shot: string | null;
}

function parseJobRequest(body: unknown): z.output<typeof jobRequestSchema> {
  const parsed = jobRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message))
      .join('; ');
    throw new RenderbayError('invalid_request', message);
  }
  if ((parsed.data.modelId === undefined) === (parsed.data.url === undefined)) {
    throw new RenderbayError('invalid_request', 'Give exactly one of modelId (a model you have) or url (a .glb/.gltf to ingest first)');
  }
  return parsed.data;
}

/** The renders a job of this model and template becomes, in delivery order (bookmarks, then each shot; each × variant). */
async function planJob(context: AppContext, accountId: string, modelId: string, templateId: string, options: JobOptions): Promise<PlannedRender[]> {
  const model = assertRenderable(context, accountId, modelId);
  const template = findTemplate(context.db, accountId, templateId);
  const variantNames = options.renderVariants ? await modelVariantNames(context, model) : [];
  const variants: (string | undefined)[] = variantNames.length > 0 ? variantNames : [undefined];
  const looks: { settings: Record<string, unknown>; shot: string | null }[] = [];
  if (options.renderBookmarks && template.bookmarks.length > 0) {
    looks.push({ settings: { output: 'stills', ...(options.imageSize === undefined ? {} : { imageSize: options.imageSize }) }, shot: null });
  }
  if (options.renderShots) {
    for (const { name, ...move } of template.shots) {
      looks.push({ settings: { ...move, ...(options.quality === undefined ? {} : { quality: options.quality }) }, shot: name });
    }
  }
  if (looks.length === 0) {
    throw new RenderbayError(
      'nothing_to_render',
      `Template "${template.id}" has ${template.bookmarks.length} bookmark(s) and ${template.shots.length} shot(s): with renderBookmarks ${options.renderBookmarks} and renderShots ${options.renderShots} this job would render nothing`,
    );
  }
  return looks.flatMap((look) =>
    variants.map((materialVariant) => ({
      item: { modelId: model.id, renderSettings: { templateId: template.id, ...look.settings, ...(materialVariant === undefined ? {} : { materialVariant }) } },
      shot: look.shot,
    })),
  );
}

/**
 * Creates a job and its renders. With `url` the model is ingested first (as POST
 * /v1/models/ingest does; free), and the job's renders queue behind its integrity check.
 */
export async function createJob(context: AppContext, accountId: string, body: unknown): Promise<JobItem> {
  const { modelId, url, templateId, ...options } = parseJobRequest(body);
  findTemplate(context.db, accountId, templateId); // before anything is fetched
  const model = url === undefined ? modelId! : (await importModelFromUrl(context, accountId, url, undefined)).modelId;
  const planned = await planJob(context, accountId, model, templateId, options);
  const id = newId();
  await createBatch(
    context,
    accountId,
    { renders: planned.map((render) => render.item) },
    {
      onCreated: (rows) => {
        context.db
          .prepare('INSERT INTO jobs (id, account_id, model_id, template_id, options, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(id, accountId, model, templateId, JSON.stringify(options), nowIso());
        const insert = context.db.prepare('INSERT INTO job_renders (job_id, render_id, position, shot) VALUES (?, ?, ?, ?)');
        rows.forEach((row, position) => insert.run(id, row.id, position, planned[position].shot));
      },
    },
  );
  return getJob(context, accountId, id);
}

export function findJobRow(context: Pick<AppContext, 'db'>, accountId: string, jobId: unknown): JobRow {
  return findOwnedRow<JobRow>(context.db, 'jobs', accountId, jobId, () => new RenderbayError('job_not_found', 'Job not found', 404));
}

/** A job's renders in delivery order, with the shot each renders (null: the bookmarks); deleted renders are left out. */
export function jobRenders(context: Pick<AppContext, 'db'>, jobId: string): (RenderRow & { shot: string | null })[] {
  return context.db
    .prepare('SELECT renders.*, job_renders.shot FROM job_renders JOIN renders ON renders.id = job_renders.render_id WHERE job_renders.job_id = ? ORDER BY job_renders.position')
    .all(jobId) as (RenderRow & { shot: string | null })[];
}

/** `urlOf` turns a route relative to the API root into the caller's URL (REST: /v1…; Glossi: absolute). */
function toJobItem(context: Pick<AppContext, 'db'>, row: JobRow, urlOf: (route: string) => string): JobItem {
  const renders = jobRenders(context, row.id);
  const { videoFile } = JSON.parse(row.options) as { videoFile?: VideoFile };
  return {
    id: row.id,
    status: jobStatus(renders.map((render) => render.status)),
    modelId: row.model_id,
    templateId: row.template_id,
    renderIds: renders.map((render) => render.id),
    files: renders
      .flatMap((render) => jobRenderFiles(render, render.shot, videoFile ?? 'full'))
      .map(({ route, ...file }) => ({ ...file, url: urlOf(route) })),
    createdAt: row.created_at,
  };
}

export function getJob(context: Pick<AppContext, 'db'>, accountId: string, jobId: unknown, urlOf: (route: string) => string = (route) => `/v1${route}`): JobItem {
  return toJobItem(context, findJobRow(context, accountId, jobId), urlOf);
}

/** An account's jobs, newest first. */
export function listJobs(context: Pick<AppContext, 'db'>, accountId: string, query: PagingQuery = {}): Page<JobItem> {
  const { limit, offset } = parsePaging(query);
  const total = (context.db.prepare('SELECT COUNT(*) AS total FROM jobs WHERE account_id = ?').get(accountId) as { total: number }).total;
  const rows = context.db.prepare('SELECT * FROM jobs WHERE account_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?').all(accountId, limit, offset) as JobRow[];
  return { data: rows.map((row) => toJobItem(context, row, (route) => `/v1${route}`)), meta: { total, offset, limit } };
}

/**
 * Sends a failed job's failed renders back to the queue (Glossi's retry), each as
 * `POST /v1/renders/:id/retry` does: same id and settings, debited again. Only a `failed`
 * job can be retried (`job_not_failed`, 409).
 */
export async function retryJob(context: AppContext, accountId: string, jobId: unknown): Promise<JobItem> {
  const job = getJob(context, accountId, jobId);
  if (job.status !== 'failed') throw new RenderbayError('job_not_failed', `Only a failed job can be retried (this one is ${job.status})`, 409);
  for (const render of jobRenders(context, job.id)) {
    if (render.status === 'error' || render.status === 'failed') await retryRender(context, accountId, render.id);
  }
  return getJob(context, accountId, job.id);
}

/** The job once every render has finished, or as it stands when `timeoutMs` passes or `signal` aborts (Prefer: wait). */
export async function whenJobFinished(context: AppContext, accountId: string, jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<JobItem> {
  const deadline = Date.now() + timeoutMs;
  for (const render of jobRenders(context, jobId)) {
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) break;
    await whenRenderFinished(context, accountId, render.id, left, signal);
  }
  return getJob(context, accountId, jobId);
}

/** The jobs a render belongs to, with their accounts (a render finishing may finish them). */
export function jobsOfRender(context: Pick<AppContext, 'db'>, renderId: string): { id: string; account_id: string }[] {
  return context.db
    .prepare('SELECT jobs.id, jobs.account_id FROM job_renders JOIN jobs ON jobs.id = job_renders.job_id WHERE job_renders.render_id = ?')
    .all(renderId) as { id: string; account_id: string }[];
}
