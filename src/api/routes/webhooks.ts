/** /v1/webhooks: thin adapters over the webhook service. */
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  pingWebhook,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
} from '../../webhooks/webhook-service.js';
import type { Route } from '../http-app.js';

export const webhookRoutes: Route[] = [
  { method: 'POST', path: '/webhooks', scope: 'write', handle: async ({ json, caller, context }) => ({ status: 201, data: await createWebhook(context, caller.account.id, await json()) }) },
  { method: 'GET', path: '/webhooks', scope: 'read', handle: ({ caller, context }) => ({ data: listWebhooks(context, caller.account.id) }) },
  { method: 'GET', path: '/webhooks/:id', scope: 'read', handle: ({ params, caller, context }) => ({ data: getWebhook(context, caller.account.id, params.id) }) },
  {
    method: 'PATCH',
    path: '/webhooks/:id',
    scope: 'write',
    handle: async ({ params, json, caller, context }) => ({ data: await updateWebhook(context, caller.account.id, params.id, await json()) }),
  },
  { method: 'DELETE', path: '/webhooks/:id', scope: 'write', handle: ({ params, caller, context }) => ({ data: deleteWebhook(context, caller.account.id, params.id) }) },
  { method: 'POST', path: '/webhooks/:id/rotate-secret', scope: 'write', handle: ({ params, caller, context }) => ({ data: rotateWebhookSecret(context, caller.account.id, params.id) }) },
  { method: 'POST', path: '/webhooks/:id/ping', scope: 'write', handle: ({ params, caller, context }) => ({ status: 202, data: pingWebhook(context, caller.account.id, params.id) }) },
  {
    method: 'GET',
    path: '/webhooks/:id/deliveries',
    scope: 'read',
    handle: ({ params, query, caller, context }) => {
      const page = listDeliveries(context, caller.account.id, params.id, query);
      return { data: page.data, meta: page.meta };
    },
  },
  {
    method: 'POST',
    path: '/webhooks/:id/deliveries/:deliveryId/redeliver',
    scope: 'write',
    handle: ({ params, caller, context }) => ({ status: 202, data: redeliver(context, caller.account.id, params.id, params.deliveryId) }),
  },
];
