/**
 * The portal's own JSON routes under /portal/api, beside the /v1 routes it mounts there too
 * (session-cookie authentication, session-auth.ts): who is signed in, the model grid, the
 * render form's schema, API keys (the REST API has no key routes: keys are the CLI's, and
 * the portal's for a signed-in person) and the examples gallery. Thin, like every route.
 */
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey, SCOPES, type Scope } from '../accounts/api-keys.js';
import type { Route } from '../api/http-app.js';
import { RenderbayError } from '../errors.js';
import { importExample, listExampleModels, requireExample } from '../examples/example-import.js';
import { sendFile } from '../http/send-file.js';
import { listLightingPresets } from '../lighting/lighting-previews.js';
import { renderSettingsFields } from '../settings/render-settings.js';
import { accountSharing } from '../sharing/sharing.js';
import { modelGrid } from './model-grid.js';

/** The render form is generated from this: the one settings schema as JSON Schema (its inputs, with defaults and descriptions). */
const RENDER_SETTINGS_JSON_SCHEMA = z.toJSONSchema(renderSettingsFields, { io: 'input', target: 'draft-7', unrepresentable: 'any' });

const newKeyBody = z.strictObject({
  name: z.string({ error: 'name must be a string' }).trim().min(1, { error: 'name is required' }).max(100, { error: 'name is at most 100 characters' }),
  scopes: z.array(z.enum(SCOPES, { error: `scopes are ${SCOPES.join(', ')}` })).min(1).optional(),
});

export const portalRoutes: Route[] = [
  {
    method: 'GET',
    path: '/session',
    scope: 'read',
    handle: ({ caller, context }) => ({
      data: {
        account: { id: caller.account.id, email: caller.account.email, credits: caller.account.credits, sharing: accountSharing(context, caller.account.id) },
        key: caller.key && { id: caller.key.id, name: caller.key.name, prefix: caller.key.prefix, scopes: caller.key.scopes },
      },
    }),
  },
  {
    method: 'GET',
    path: '/grid',
    scope: 'read',
    handle: ({ query, caller, context }) => {
      const page = modelGrid(context, caller.account.id, query);
      return { data: page.data, meta: page.meta };
    },
  },
  { method: 'GET', path: '/render-form', scope: 'read', handle: () => ({ data: { schema: RENDER_SETTINGS_JSON_SCHEMA, lighting: listLightingPresets() } }) },
  {
    method: 'GET',
    path: '/keys',
    scope: 'read',
    handle: ({ caller, context }) => ({ data: listApiKeys(context.db, caller.account.id).map(({ accountId: _account, ...info }) => info) }),
  },
  {
    method: 'POST',
    path: '/keys',
    scope: 'write',
    handle: async ({ json, caller, context }) => {
      const parsed = newKeyBody.safeParse(await json());
      if (!parsed.success) throw new RenderbayError('invalid_request', parsed.error.issues.map((issue) => issue.message).join('; '), 400);
      // A session cannot mint a key stronger than its own.
      const allowed = caller.key?.scopes ?? [...SCOPES];
      const scopes: Scope[] = parsed.data.scopes ?? allowed;
      const beyond = scopes.filter((scope) => !allowed.includes(scope));
      if (beyond.length > 0) throw new RenderbayError('insufficient_scope', `This session's key lacks the "${beyond.join('", "')}" scope`, 403);
      const { key, info } = createApiKey(context.db, caller.account.id, { name: parsed.data.name, scopes });
      const { accountId: _account, ...shown } = info;
      return { status: 201, data: { ...shown, key } };
    },
  },
  {
    method: 'DELETE',
    path: '/keys/:id',
    scope: 'write',
    handle: ({ params, caller, context }) => {
      const own = listApiKeys(context.db, caller.account.id).find((info) => info.id === params.id);
      if (!own) throw new RenderbayError('key_not_found', `No API key ${params.id ?? ''}`, 404);
      const { accountId: _account, ...revoked } = revokeApiKey(context.db, own.id);
      return { data: revoked };
    },
  },
  { method: 'GET', path: '/examples', scope: 'read', handle: async ({ caller, context }) => ({ data: await listExampleModels(context, caller.account.id) }) },
  {
    method: 'GET',
    path: '/examples/:name/preview.jpg',
    scope: 'read',
    handle: async ({ request, response, params }) => {
      const example = requireExample(params.name);
      // Made at build time where the build makes it (example-assets.ts); 404 file_not_found otherwise.
      await sendFile(request, response, example.previewJpegPath, { contentType: 'image/jpeg', etag: `${example.id}-preview`, immutable: false });
    },
  },
  {
    method: 'POST',
    path: '/examples/:name/import',
    scope: 'write',
    handle: async ({ params, caller, context }) => ({ status: 201, data: await importExample(context, caller.account.id, params.name) }),
  },
];
