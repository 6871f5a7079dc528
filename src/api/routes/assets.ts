/**
 * /v1/renders/:id/{video,poster,thumb,dataset,stills,bundle}: the files of a render, with Range
 * support, strong ETags (the content's SHA-256) and `immutable` caching once done.
 */
import { RenderbayError } from '../../errors.js';
import { sendFile } from '../../http/send-file.js';
import { sendZip } from '../../http/zip-stream.js';
import { assetType, isStillAssetName, renderAssets, requireRenderAsset, type AssetName, type StillAssetName, type StoredAsset } from '../../renders/render-assets.js';
import { findRenderRow } from '../../renders/render-service.js';
import { listStills } from '../../renders/render-stills.js';
import { API_PREFIX, type Route, type RouteRequest } from '../http-app.js';

async function serveAsset({ request, response, params, caller, context }: RouteRequest, name: AssetName | StillAssetName): Promise<void> {
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
  /** Renderbay addition: the stills of an `output: "stills"` render, and each one. */
  {
    method: 'GET',
    path: '/renders/:id/stills',
    scope: 'read',
    handle: ({ params, caller, context }) => ({ data: listStills(context, caller.account.id, params.id, (route) => `${API_PREFIX}${route}`) }),
  },
  { method: 'GET', path: '/renders/:id/stills/:name', scope: 'read', handle: (request) => serveAsset(request, `still:${request.params.name}`) },
  {
    method: 'GET',
    path: '/renders/:id/bundle',
    scope: 'read',
    handle: async ({ response, params, caller, context }) => {
      const row = findRenderRow(context, caller.account.id, params.id);
      const assets = renderAssets(row);
      const names = Object.keys(assets);
      if (row.status !== 'done' || !(assets.video || assets.dataset || names.some(isStillAssetName))) {
        throw new RenderbayError('video_not_found', `Render ${row.id} is not done yet (status: ${row.status}); the bundle needs its video, dataset or stills`, 404);
      }
      const entries = (Object.entries(assets) as [AssetName | StillAssetName, StoredAsset][])
        .filter(([, asset]) => context.store.has(asset.key))
        .map(([name, asset]) => {
          const { fileName } = assetType(name, asset);
          return { name: isStillAssetName(name) ? `stills/${fileName}` : fileName, path: context.store.pathOf(asset.key) };
        });
      await sendZip(response, entries, `render-${row.id}.zip`);
    },
  },
];
