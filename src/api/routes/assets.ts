/**
 * /v1/renders/:id/{video,poster,thumb,bundle}: the files of a render, with Range
 * support, strong ETags (the content's SHA-256; the bundle's from its files' SHA-256s)
 * and `immutable` caching once done.
 */
import { sendFile, sendRepresentation } from '../../http/send-file.js';
import { zipRangeStream } from '../../http/zip-stream.js';
import { assetType, requireRenderAsset, type AssetName } from '../../renders/render-assets.js';
import { renderBundle } from '../../renders/render-bundle.js';
import { findRenderRow } from '../../renders/render-service.js';
import type { Route, RouteRequest } from '../http-app.js';

async function serveAsset({ request, response, params, caller, context }: RouteRequest, name: AssetName): Promise<void> {
  const row = findRenderRow(context, caller.account.id, params.id);
  const { asset } = requireRenderAsset(context.store, row, name);
  await sendFile(request, response, context.store.pathOf(asset.key), {
    contentType: assetType(name, asset).contentType,
    etag: asset.key,
    immutable: row.status === 'done',
  });
}

export const assetRoutes: Route[] = [
  { method: 'GET', path: '/renders/:id/video', scope: 'read', handle: (request) => serveAsset(request, request.query.quality === 'web' ? 'web' : 'video') },
  { method: 'GET', path: '/renders/:id/poster', scope: 'read', handle: (request) => serveAsset(request, request.query.quality === 'full' ? 'posterFull' : 'poster') },
  { method: 'GET', path: '/renders/:id/thumb', scope: 'read', handle: (request) => serveAsset(request, 'thumb') },
  /** Renderbay addition: the training dataset of an `output: "dataset"` render. */
  { method: 'GET', path: '/renders/:id/dataset', scope: 'read', handle: (request) => serveAsset(request, 'dataset') },
  {
    method: 'GET',
    path: '/renders/:id/bundle',
    scope: 'read',
    handle: async ({ request, response, params, caller, context }) => {
      const bundle = await renderBundle(context, findRenderRow(context, caller.account.id, params.id));
      await sendRepresentation(request, response, {
        contentType: 'application/zip',
        etag: bundle.etag,
        immutable: true,
        downloadName: bundle.downloadName,
        size: bundle.layout.size,
        lastModified: bundle.lastModified,
        body: (start, end) => zipRangeStream(bundle.layout, start, end),
      });
    },
  },
];
