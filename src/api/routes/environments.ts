/** /v1/environments: thin adapters over the environment service (uploads as for overlays). */
import { createEnvironment, deleteEnvironment, getEnvironment, listEnvironments } from '../../environments/environment-service.js';
import { LIMITS } from '../../limits.js';
import type { Route } from '../http-app.js';
import { receiveAccountUpload } from '../upload-slots.js';

export const environmentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/environments',
    scope: 'write',
    handle: ({ request, caller, context }) =>
      receiveAccountUpload(context, caller.account.id, request, { maxFileBytes: LIMITS.maxEnvironmentBytes, maxFieldBytes: 4 * 1024, maxFields: 10 }, async (upload) => ({
        status: 201,
        data: await createEnvironment(context, caller.account.id, upload.file, upload.fields),
      })),
  },
  { method: 'GET', path: '/environments', scope: 'read', handle: ({ caller, context }) => ({ data: listEnvironments(context, caller.account.id) }) },
  { method: 'GET', path: '/environments/:id', scope: 'read', handle: ({ params, caller, context }) => ({ data: getEnvironment(context, caller.account.id, params.id) }) },
  { method: 'DELETE', path: '/environments/:id', scope: 'write', handle: async ({ params, caller, context }) => ({ data: await deleteEnvironment(context, caller.account.id, params.id) }) },
];
