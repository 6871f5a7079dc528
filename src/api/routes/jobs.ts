/** /v1/jobs: thin adapters over the job service (the one-call workflow). */
import { createJob, getJob, listJobs } from '../../workflow/job-service.js';
import type { Route } from '../http-app.js';

export const jobRoutes: Route[] = [
  {
    method: 'POST',
    path: '/jobs',
    scope: 'write',
    handle: async ({ json, caller, context }) => {
      const job = await createJob(context, caller.account.id, await json());
      // SEAM(prefer-wait): `Prefer: wait=<seconds>` belongs here once POST /v1/renders has it
      // (another branch): wait on getJob(...) reaching completed/failed, then 200 + Preference-Applied.
      return { status: 201, data: { id: job.id, status: job.status } };
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
