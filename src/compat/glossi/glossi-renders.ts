/**
 * Glossi's renders: `POST /api/v1/renders` turns each project into a Renderbay job (the
 * settings mapped below), `GET /api/v1/renders/{jobId}` reports it in Glossi's words, and
 * `retry` re-queues a FAILED one. Jobs, prices and files are the /v1 job service's.
 *
 * | Glossi setting | 0 | 1 (default) | 2 |
 * | --- | --- | --- | --- |
 * | imageQuality (stills) | 720p | 1080p | 4k |
 * | videoResolution | share (960×540) | standard (1920×1080) | 4k (3840×2160) |
 * | videoQuality | web MP4 delivered | full MP4 | pro ProRes (always 3840×2160) |
 */
import type { AppContext } from '../../context.js';
import { RenderbayError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { createJob, findJobRow, getJob, jobRenders, retryJob, type JobItem } from '../../workflow/job-service.js';
import type { VideoFile } from '../../workflow/job-outcome.js';
import { isObject, readyModel } from './glossi-models.js';
import { findProject } from './glossi-projects.js';

const IMAGE_SIZES = ['720p', '1080p', '4k'] as const;
const VIDEO_TIERS = ['share', 'standard', '4k'] as const;

function level(settings: Record<string, unknown>, name: string): 0 | 1 | 2 {
  const value = settings[name] ?? 1;
  if (value !== 0 && value !== 1 && value !== 2) throw new RenderbayError('invalid_request', `settings.${name} must be 0, 1 or 2`);
  return value;
}

function flag(settings: Record<string, unknown>, name: string): boolean {
  const value = settings[name] ?? true;
  if (typeof value !== 'boolean') throw new RenderbayError('invalid_request', `settings.${name} must be true or false`);
  return value;
}

/** Glossi's render settings as a Renderbay job's options. */
export function jobOptionsFromGlossi(settings: unknown) {
  if (settings !== undefined && !isObject(settings)) throw new RenderbayError('invalid_request', 'settings must be an object');
  const given = settings ?? {};
  const videoQuality = level(given, 'videoQuality');
  return {
    renderBookmarks: flag(given, 'renderBookmarks'),
    renderShots: flag(given, 'renderShots'),
    renderVariants: flag(given, 'renderVariants'),
    imageSize: IMAGE_SIZES[level(given, 'imageQuality')],
    quality: videoQuality === 2 ? 'pro' : VIDEO_TIERS[level(given, 'videoResolution')],
    videoFile: (videoQuality === 0 ? 'web' : 'full') as VideoFile,
  };
}

/** `POST /api/v1/renders { projectIds, settings }`: one job per project (every project checked before any is started). */
export async function startRenders(context: AppContext, accountId: string, body: unknown) {
  const { projectIds, settings } = isObject(body) ? body : {};
  if (!Array.isArray(projectIds) || projectIds.length === 0) throw new RenderbayError('invalid_request', 'projectIds must be a non-empty array of project ids');
  if (projectIds.length > LIMITS.maxCompatBatch) throw new RenderbayError('too_many', `At most ${LIMITS.maxCompatBatch} projectIds per request`);
  const options = jobOptionsFromGlossi(settings);
  const projects = projectIds.map((id) => findProject(context, accountId, id));
  const jobs = [];
  for (const project of projects) {
    const { modelId } = readyModel(context, accountId, project.glossi_model_id);
    const job = await createJob(context, accountId, { modelId, templateId: project.template_id, ...options });
    context.db.prepare('INSERT INTO glossi_jobs (job_id, project_id) VALUES (?, ?)').run(job.id, project.id);
    jobs.push({ jobId: job.id, status: job.status.toUpperCase(), projectId: project.id });
  }
  return { jobs, totalProjects: projects.length };
}

function projectOf(context: AppContext, accountId: string, jobId: unknown): string {
  const job = findJobRow(context, accountId, jobId);
  const projectId = context.db.prepare('SELECT project_id FROM glossi_jobs WHERE job_id = ?').pluck().get(job.id) as string | undefined;
  if (projectId === undefined) throw new RenderbayError('job_not_found', 'Job not found', 404); // a /v1 job: no Glossi project
  return projectId;
}

/** `GET /api/v1/renders/{jobId}`; `filesBase` makes the absolute, key-authenticated URL of a file route. */
export function getRenderJob(context: AppContext, accountId: string, jobId: unknown, filesBase: string) {
  const projectId = projectOf(context, accountId, jobId);
  const job: JobItem = getJob(context, accountId, jobId, (route) => `${filesBase}${route}`);
  const finished = job.status === 'completed' || job.status === 'failed';
  const failure = job.status === 'failed' ? jobRenders(context, job.id).find((render) => render.status !== 'done') : undefined;
  return {
    jobId: job.id,
    status: job.status.toUpperCase(),
    projectId,
    ...(finished
      ? { renders: job.files.map((file) => ({ id: file.renderId, name: file.name, filePath: file.url, fileType: file.type.toUpperCase(), isVideo: file.isVideo })) }
      : {}),
    ...(failure ? { errorMessage: failure.error_message ?? 'A render of this job was deleted' } : {}),
  };
}

/** `POST /api/v1/renders/{jobId}/retry` (FAILED jobs only). */
export async function retryRenderJob(context: AppContext, accountId: string, jobId: unknown) {
  const projectId = projectOf(context, accountId, jobId);
  const job = await retryJob(context, accountId, jobId);
  return { jobId: job.id, status: job.status.toUpperCase(), projectId, batchId: job.id };
}
