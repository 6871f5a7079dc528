/** /v1/templates: thin adapters over the template service. */
import { createTemplate, deleteTemplate, getTemplate, listTemplates, updateTemplate } from '../../templates/template-service.js';
import type { Route } from '../http-app.js';

export const templateRoutes: Route[] = [
  {
    method: 'GET',
    path: '/templates',
    scope: 'read',
    handle: ({ query, caller, context }) => {
      const page = listTemplates(context, caller.account.id, query);
      return { data: page.data, meta: page.meta };
    },
  },
  { method: 'POST', path: '/templates', scope: 'write', handle: async ({ json, caller, context }) => ({ status: 201, data: createTemplate(context, caller.account.id, await json()) }) },
  { method: 'GET', path: '/templates/:id', scope: 'read', handle: ({ params, caller, context }) => ({ data: getTemplate(context, caller.account.id, params.id) }) },
  {
    method: 'PATCH',
    path: '/templates/:id',
    scope: 'write',
    handle: async ({ params, json, caller, context }) => ({ data: updateTemplate(context, caller.account.id, params.id, await json()) }),
  },
  { method: 'DELETE', path: '/templates/:id', scope: 'write', handle: ({ params, caller, context }) => ({ data: deleteTemplate(context, caller.account.id, params.id) }) },
];
