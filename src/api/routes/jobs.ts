/** /v1/jobs: thin adapters over the job service (the one-call workflow). */
import { createJob, getJob, listJobs, whenJobFinished } from '../../workflow/job-service.js';
import type { Route } from '../http-app.js';
import { preferredWaitSeconds, waitedAnswer } from '../prefer-wait.js';

export const jobRoutes: Route[] = [
  {
    method: 'POST',
    path: '/jobs',
    scope: 'write',
    handle: async ({ request, response, json, caller, context }) => {
      const waitSeconds = preferredWaitSeconds(request.headers); // refused before anything is charged
      const job = await createJob(context, caller.account.id, await json());
      if (waitSeconds === null) return { status: 201, data: { id: job.id, status: job.status } };
      // Prefer: wait — the finished job (200) or, after the wait, the job as it stands (202), as POST /v1/renders does.
      return waitedAnswer(response, waitSeconds, (timeoutMs, signal) => whenJobFinished(context, caller.account.id, job.id, timeoutMs, signal), (current) => current.status === 'completed' || current.status === 'failed');
    },
  },
  {
    method: 'GET',
    path: '/jobs',
    scope: 'read',
    handle: ({ query, caller, context }) => {
      const page = listJobs(context, caller.account.id, query);
      return { data: page.data, meta: page.meta };
    },
  },
  { method: 'GET', path: '/jobs/:id', scope: 'read', handle: ({ params, caller, context }) => ({ data: getJob(context, caller.account.id, params.id) }) },
];
