/** /v1/overlays: thin adapters over the overlay service. */
import { createOverlay, deleteOverlay, listOverlays, MAX_OVERLAY_BYTES } from '../../overlays/overlay-service.js';
import type { Route } from '../http-app.js';
import { receiveAccountUpload } from '../upload-slots.js';

export const overlayRoutes: Route[] = [
  {
    method: 'POST',
    path: '/overlays',
    scope: 'write',
    handle: ({ request, caller, context }) =>
      receiveAccountUpload(context, caller.account.id, request, { maxFileBytes: MAX_OVERLAY_BYTES, maxFieldBytes: 4 * 1024, maxFields: 10 }, async (upload) => {
        const overlay = await createOverlay(context, caller.account.id, upload.file, upload.fields);
        // 200, not 201: the hosted API answers an overlay upload with 200.
        return { status: 200, data: { id: overlay.id, layer: overlay.layer, alignment: overlay.alignment, name: overlay.name } };
      }),
  },
  { method: 'GET', path: '/overlays', scope: 'read', handle: ({ caller, context }) => ({ data: listOverlays(context, caller.account.id) }) },
  { method: 'DELETE', path: '/overlays/:id', scope: 'write', handle: async ({ params, caller, context }) => ({ data: await deleteOverlay(context, caller.account.id, params.id) }) },
];
