/**
 * /v1/renders/:id/{video,poster,thumb,dataset,stills,bundle}: the files of a render, with Range
 * support, strong ETags (the content's SHA-256; the bundle's from its files' SHA-256s)
 * and `immutable` caching once done. Each file also opens with a signed URL instead of a key
 * (`?expires=…&sig=…`, sharing/signed-urls.ts); those answers are cached privately until the URL expires.
 * On a render farm with `--store-presign-seconds`, the files (not the bundle, which is zipped
 * here) answer 302 to a presigned URL of the object store, once the key or signature is checked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../../context.js';
import { sendFile, sendRepresentation } from '../../http/send-file.js';
import { redirectToStoredObject, sendStoredObject } from '../../http/send-stored-object.js';
import { zipRangeStream } from '../../http/zip-stream.js';
import { assetType, renderAssets, requireRenderAsset, type AssetName, type StillAssetName, type StoredAsset } from '../../renders/render-assets.js';
import { renderBundle } from '../../renders/render-bundle.js';
import { findRenderRow } from '../../renders/render-service.js';
import { listStills } from '../../renders/render-stills.js';
import { signedCacheControl } from '../../sharing/signed-urls.js';
import { API_PREFIX, type Route, type RouteRequest } from '../http-app.js';

function serveAsset({ request, response, params, caller, context, signedUntil }: RouteRequest, name: AssetName | StillAssetName): Promise<void> {
  return serveRenderAsset(request, response, context, caller.account.id, params.id, name, signedUntil);
}

/** One file of an account's render (the Glossi surface serves its files through this too); `signedUntil`: opened by a signed URL. */
export async function serveRenderAsset(
  request: IncomingMessage,
  response: ServerResponse,
  context: AppContext,
  accountId: string,
  renderId: unknown,
  name: AssetName | StillAssetName,
  signedUntil?: number,
): Promise<void> {
  const row = findRenderRow(context, accountId, renderId);
  const options = (asset: StoredAsset) => ({
    contentType: assetType(name, asset).contentType,
    etag: asset.key,
    immutable: row.status === 'done',
    ...(signedUntil === undefined ? {} : { cacheControl: signedCacheControl(signedUntil) }),
  });
  // On a render farm: a redirect to the object store where configured; a control plane
  // without its own copy streams the file from the store.
  const { remote } = context.store;
  const elsewhere = remote ? renderAssets(row)[name] : undefined;
  if (remote && elsewhere) {
    const lastModified = new Date(row.updated_at);
    const served = options(elsewhere);
    if (await redirectToStoredObject(request, response, context.store, { key: elsewhere.key, lastModified, contentType: served.contentType }, signedUntil)) return;
    if (!context.store.has(elsewhere.key)) return sendStoredObject(request, response, remote, { key: elsewhere.key, size: elsewhere.size, lastModified }, served);
  }
  const { asset } = requireRenderAsset(context.store, row, name);
  await sendFile(request, response, context.store.pathOf(asset.key), options(asset));
}

export const assetRoutes: Route[] = [
  { method: 'GET', path: '/renders/:id/video', scope: 'read', signable: true, handle: (request) => serveAsset(request, request.query.quality === 'web' ? 'web' : 'video') },
  { method: 'GET', path: '/renders/:id/poster', scope: 'read', signable: true, handle: (request) => serveAsset(request, request.query.quality === 'full' ? 'posterFull' : 'poster') },
  { method: 'GET', path: '/renders/:id/thumb', scope: 'read', signable: true, handle: (request) => serveAsset(request, 'thumb') },
  /** Renderbay addition: the training dataset of an `output: "dataset"` render. */
  { method: 'GET', path: '/renders/:id/dataset', scope: 'read', signable: true, handle: (request) => serveAsset(request, 'dataset') },
  /** Renderbay addition: the stills of an `output: "stills"` render, and each one. */
  {
    method: 'GET',
    path: '/renders/:id/stills',
    scope: 'read',
    handle: ({ params, caller, context }) => ({ data: listStills(context, caller.account.id, params.id, (route) => `${API_PREFIX}${route}`) }),
  },
  { method: 'GET', path: '/renders/:id/stills/:name', scope: 'read', signable: true, handle: (request) => serveAsset(request, `still:${request.params.name}`) },
  {
    method: 'GET',
    path: '/renders/:id/bundle',
    scope: 'read',
    signable: true,
    handle: async ({ request, response, params, caller, context, signedUntil }) => {
      const bundle = await renderBundle(context, findRenderRow(context, caller.account.id, params.id));
      await sendRepresentation(request, response, {
        contentType: 'application/zip',
        etag: bundle.etag,
        immutable: true,
        ...(signedUntil === undefined ? {} : { cacheControl: signedCacheControl(signedUntil) }),
        downloadName: bundle.downloadName,
        size: bundle.layout.size,
        lastModified: bundle.lastModified,
        body: (start, end) => zipRangeStream(bundle.layout, start, end),
      });
    },
  },
];
