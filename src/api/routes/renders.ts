/** /v1/renders: thin adapters over the render service. */
import { listRenders } from '../../renders/render-list.js';
import { whenRenderFinished } from '../../renders/render-settled.js';
import { createBatch, createRender, deleteRender, dismissRender, FINISHED_STATUSES, getRender, retryRender } from '../../renders/render-service.js';
import { renderEmbed } from '../../sharing/embed.js';
import { updateRenderSharing } from '../../sharing/sharing.js';
import type { Route } from '../http-app.js';
import { preferredWaitSeconds, waitedAnswer } from '../prefer-wait.js';

export const renderRoutes: Route[] = [
  {
    method: 'POST',
    path: '/renders',
    scope: 'write',
    handle: async ({ request, response, json, caller, context }) => {
      const waitSeconds = preferredWaitSeconds(request.headers); // refused before anything is charged
      const render = await createRender(context, caller.account.id, await json());
      if (waitSeconds === null) return { status: 201, data: { id: render.id, modelId: render.modelId, status: render.status, renderSettings: render.renderSettings } };
      // Prefer: wait — the finished render (200) or, after the wait, the render as it stands (202).
      return waitedAnswer(response, waitSeconds, (timeoutMs, signal) => whenRenderFinished(context, caller.account.id, render.id, timeoutMs, signal), (current) => FINISHED_STATUSES.includes(current.status));
    },
  },
  { method: 'POST', path: '/renders/batch', scope: 'write', handle: async ({ json, caller, context }) => ({ status: 201, data: await createBatch(context, caller.account.id, await json()) }) },
  {
    method: 'GET',
    path: '/renders',
    scope: 'read',
    handle: ({ query, caller, context }) => {
      const page = listRenders(context, caller.account.id, query);
      return { data: page.data, meta: page.meta };
    },
  },
  { method: 'GET', path: '/renders/:id', scope: 'read', handle: ({ params, caller, context }) => ({ data: getRender(context, caller.account.id, params.id) }) },
  /** Renderbay additions: whether the render has a public share page, and signed URLs + a snippet to embed it. */
  { method: 'PATCH', path: '/renders/:id', scope: 'write', handle: async ({ params, json, caller, context }) => ({ data: updateRenderSharing(context, caller.account.id, params.id, await json()) }) },
  { method: 'GET', path: '/renders/:id/embed', scope: 'read', handle: ({ params, query, caller, context, baseUrl }) => ({ data: renderEmbed(context, baseUrl, caller.account.id, params.id, query.ttl) }) },
  { method: 'POST', path: '/renders/:id/retry', scope: 'write', handle: async ({ params, caller, context }) => ({ data: await retryRender(context, caller.account.id, params.id) }) },
  { method: 'PATCH', path: '/renders/:id/dismiss', scope: 'write', handle: ({ params, caller, context }) => ({ data: dismissRender(context, caller.account.id, params.id) }) },
  { method: 'DELETE', path: '/renders/:id', scope: 'write', handle: async ({ params, caller, context }) => ({ data: await deleteRender(context, caller.account.id, params.id) }) },
];
