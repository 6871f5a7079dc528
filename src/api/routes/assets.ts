/**
 * /v1/renders/:id/{video,poster,thumb,bundle}: the files of a render, with Range
 * support, strong ETags (the content's SHA-256) and `immutable` caching once done.
 */
import type { AppContext } from '../../context.js';
import { RenderbayError } from '../../errors.js';
import { sendFile } from '../../http/send-file.js';
import { sendZip } from '../../http/zip-stream.js';
import { assetType, type AssetName, type RenderAssets, type StoredAsset } from '../../renders/render-assets.js';
import { findRenderRow } from '../../renders/render-service.js';
import type { Route, RouteRequest } from '../http-app.js';

const NOT_FOUND_CODES: Record<AssetName, string> = {
  video: 'video_not_found',
  web: 'video_not_found',
  thumb: 'thumb_not_found',
  dataset: 'dataset_not_found',
  poster: 'poster_not_found',
  posterFull: 'poster_not_found',
};

function renderAssets(context: AppContext, accountId: string, renderId: string | undefined) {
  const row = findRenderRow(context, accountId, renderId);
  return { row, assets: JSON.parse(row.assets) as RenderAssets };
}

async function serveAsset({ request, response, params, caller, context }: RouteRequest, name: AssetName): Promise<void> {
  const { row, assets } = renderAssets(context, caller.account.id, params.id);
  const asset = assets[name];
  if (!asset || !context.store.has(asset.key)) {
    throw new RenderbayError(NOT_FOUND_CODES[name], `The ${name === 'posterFull' ? 'full poster' : name} of render ${row.id} is not available (status: ${row.status})`, 404);
  }
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
      const { row, assets } = renderAssets(context, caller.account.id, params.id);
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
