/**
 * Where an agent finds a render's files: the stored file's local path (stdio), the signed REST
 * URL that serves it (HTTP: opens without a key until it expires), and its MCP resource URI
 * (`renderbay://renders/{id}/{asset}`, readable with resources/read).
 */
import type { AppContext } from '../context.js';
import { ASSET_TYPES, assetType, isStillAssetName, renderAssets, type AssetName, type StillAssetName, type StoredAsset } from '../renders/render-assets.js';
import { stillRoute } from '../renders/render-stills.js';
import type { RenderRow } from '../renders/render-service.js';
import type { McpSession } from './session.js';

export const RESOURCE_URI_TEMPLATE = 'renderbay://renders/{renderId}/{asset}';

export function renderResourceUri(renderId: string, asset: string): string {
  return `renderbay://renders/${encodeURIComponent(renderId)}/${encodeURIComponent(asset)}`;
}

/** The REST route serving each asset (REFERENCE.md, "Assets"). */
const REST_PATHS: Record<AssetName, string> = {
  video: 'video',
  web: 'video?quality=web',
  thumb: 'thumb',
  poster: 'poster',
  posterFull: 'poster?quality=full',
  dataset: 'dataset',
};

export interface RenderFile {
  /** Asset name: video, web, thumb, poster, posterFull, dataset, or still:<name>. */
  name: string;
  fileName: string;
  contentType: string;
  size: number;
  uri: string;
  /** stdio: the stored file on this machine (read it, don't modify it). */
  path?: string;
  /** HTTP: the signed REST URL (no key needed; valid LIMITS.signedUrlDefaultTtlSeconds). */
  url?: string;
}

/** Main file first, as the reference lists them; stills after them, in the order asked. */
const ORDER = Object.keys(ASSET_TYPES) as AssetName[];
const orderOf = (name: AssetName | StillAssetName) => (isStillAssetName(name) ? ORDER.length : ORDER.indexOf(name));

export function renderFiles(session: McpSession, row: Pick<RenderRow, 'id' | 'assets'>): RenderFile[] {
  const { store } = session.context;
  return (Object.entries(renderAssets(row)) as [AssetName | StillAssetName, StoredAsset][])
    .filter(([, asset]) => store.has(asset.key))
    .sort(([a], [b]) => orderOf(a) - orderOf(b))
    .map(([name, asset]) => {
      const type = assetType(name, asset);
      const file: RenderFile = { name, fileName: type.fileName, contentType: type.contentType, size: asset.size, uri: renderResourceUri(row.id, name) };
      if (session.transport === 'stdio') file.path = store.pathOf(asset.key);
      const route = isStillAssetName(name) ? stillRoute(row.id, name.slice('still:'.length)) : `/renders/${encodeURIComponent(row.id)}/${REST_PATHS[name]}`;
      if (session.signedApiUrl) file.url = session.signedApiUrl(route);
      return file;
    });
}

/** The stored file of one asset of a render, or null while it does not exist. */
export function storedAssetPath(context: AppContext, row: Pick<RenderRow, 'assets'>, name: AssetName): string | null {
  const asset = renderAssets(row)[name];
  return asset && context.store.has(asset.key) ? context.store.pathOf(asset.key) : null;
}
