/**
 * `job.complete` / `job.failed`: a job has no status of its own, so its event fires when a
 * render of it finishes and the status derived from all its renders turns `completed` or
 * `failed`. Called by the job engine inside the transaction that finished the renders, like
 * their own `render.complete` / `render.failed`.
 */
import type { AppContext } from '../context.js';
import { publishEvent } from '../webhooks/events.js';
import { getJob, jobsOfRender } from './job-service.js';

export function announceFinishedJobs(context: Pick<AppContext, 'db'>, renderIds: readonly string[]): void {
  const jobs = new Map(renderIds.flatMap((renderId) => jobsOfRender(context, renderId)).map((job) => [job.id, job.account_id]));
  for (const [jobId, accountId] of jobs) {
    const job = getJob(context, accountId, jobId);
    if (job.status === 'completed') publishEvent(context.db, { accountId, event: 'job.complete', data: { ...job } });
    else if (job.status === 'failed') publishEvent(context.db, { accountId, event: 'job.failed', data: { ...job } });
  }
}
