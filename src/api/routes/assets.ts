/**
 * /v1/renders/:id/{video,poster,thumb,bundle}: the files of a render, with Range
 * support, strong ETags (the content's SHA-256) and `immutable` caching once done.
 */
import { RenderbayError } from '../../errors.js';
import { sendFile } from '../../http/send-file.js';
import { sendZip } from '../../http/zip-stream.js';
import { assetType, renderAssets, requireRenderAsset, type AssetName, type StoredAsset } from '../../renders/render-assets.js';
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
    handle: async ({ response, params, caller, context }) => {
      const row = findRenderRow(context, caller.account.id, params.id);
      const assets = renderAssets(row);
      if (row.status !== 'done' || !(assets.video || assets.dataset)) {
        throw new RenderbayError('video_not_found', `Render ${row.id} is not done yet (status: ${row.status}); the bundle needs its video or dataset`, 404);
      }
      const entries = (Object.entries(assets) as [AssetName, StoredAsset][])
        .filter(([, asset]) => context.store.has(asset.key))
        .map(([name, asset]) => ({ name: assetType(name, asset).fileName, path: context.store.pathOf(asset.key) }));
      await sendZip(response, entries, `render-${row.id}.zip`);
    },
  },
];
