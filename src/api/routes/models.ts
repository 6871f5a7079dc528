/** /v1/models: thin adapters over the model service. */
import { RenderbayError } from '../../errors.js';
import { sendFile } from '../../http/send-file.js';
import { LIMITS } from '../../limits.js';
import {
  checkHash,
  createModelFromFile,
  deleteModel,
  getModel,
  listModels,
  modelFile,
  setModelArchived,
  updateModel,
} from '../../models/model-service.js';
import { importModelFromUrl } from '../../models/model-import.js';
import { modelsStatus } from '../../models/model-status.js';
import { modelUsdz } from '../../models/model-usdz.js';
import type { Route } from '../http-app.js';
import { receiveAccountUpload } from '../upload-slots.js';

/** Content types of what `GET /models/:id/file` sends (modelFile decides which file). */
const FILE_CONTENT_TYPES: Record<string, string> = { glb: 'model/gltf-binary', gltf: 'model/gltf+json', zip: 'application/zip' };

export const modelRoutes: Route[] = [
  { method: 'POST', path: '/models/status', scope: 'read', handle: async ({ json, caller, context }) => ({ data: modelsStatus(context, caller.account.id, await json()) }) },
  {
    method: 'POST',
    path: '/models',
    scope: 'write',
    handle: ({ request, caller, context }) =>
      receiveAccountUpload(context, caller.account.id, request, { maxFileBytes: LIMITS.maxModelBytes, maxFieldBytes: 64 * 1024, maxFields: 20 }, async (upload) => {
        if (!upload.file) throw new RenderbayError('no_file', 'No file: send the model as the multipart field "file"', 400);
        const created = await createModelFromFile(
          context,
          caller.account.id,
          { path: upload.file.path, sha256: upload.file.sha256, size: upload.file.bytes, originalName: upload.file.filename },
          upload.fields.renderSettings,
        );
        return { status: 201, data: created };
      }),
  },
  {
    method: 'POST',
    path: '/models/ingest',
    scope: 'write',
    handle: async ({ json, caller, context }) => {
      const body = ((await json()) ?? {}) as { url?: unknown; renderSettings?: unknown };
      const created = await importModelFromUrl(context, caller.account.id, body.url, body.renderSettings);
      return { status: 201, data: created };
    },
  },
  {
    method: 'GET',
    path: '/models',
    scope: 'read',
    handle: ({ query, caller, context }) => {
      const page = listModels(context, caller.account.id, query);
      return { data: page.data, meta: page.meta };
    },
  },
  { method: 'POST', path: '/models/check-hash', scope: 'read', handle: async ({ json, caller, context }) => ({ data: checkHash(context, caller.account.id, await json()) }) },
  { method: 'GET', path: '/models/:id', scope: 'read', handle: async ({ params, caller, context }) => ({ data: await getModel(context, caller.account.id, params.id) }) },
  {
    method: 'PATCH',
    path: '/models/:id',
    scope: 'write',
    handle: async ({ params, json, caller, context }) => ({ data: updateModel(context, caller.account.id, params.id, await json()) }),
  },
  { method: 'PATCH', path: '/models/:id/archive', scope: 'write', handle: ({ params, caller, context }) => ({ data: setModelArchived(context, caller.account.id, params.id, true) }) },
  { method: 'PATCH', path: '/models/:id/unarchive', scope: 'write', handle: ({ params, caller, context }) => ({ data: setModelArchived(context, caller.account.id, params.id, false) }) },
  {
    method: 'GET',
    path: '/models/:id/file',
    scope: 'read',
    handle: async ({ request, response, params, caller, context }) => {
      const file = modelFile(context, caller.account.id, params.id);
      await sendFile(request, response, file.path, {
        contentType: FILE_CONTENT_TYPES[file.format] ?? 'model/gltf-binary',
        etag: file.sha256,
        immutable: true,
        downloadName: file.name,
      });
    },
  },
  {
    method: 'GET',
    path: '/models/:id/usdz',
    scope: 'read',
    handle: async ({ request, response, params, caller, context }) => {
      const usdz = await modelUsdz(context, caller.account.id, params.id);
      await sendFile(request, response, usdz.path, { contentType: 'model/vnd.usdz+zip', etag: usdz.sha256, immutable: true, downloadName: usdz.name });
    },
  },
  { method: 'DELETE', path: '/models/:id', scope: 'write', handle: async ({ params, caller, context }) => ({ data: await deleteModel(context, caller.account.id, params.id) }) },
];
