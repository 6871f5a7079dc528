/**
 * Where an agent finds a render's files: the stored file's local path (stdio), the REST
 * URL that serves it (HTTP, needs the same bearer key), and its MCP resource URI
 * (`renderbay://renders/{id}/{asset}`, readable with resources/read).
 */
import type { AppContext } from '../context.js';
import { ASSET_TYPES, assetType as storedAssetType, type AssetName, type RenderAssets, type StoredAsset } from '../renders/render-assets.js';
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
  /** Asset name: video, web, thumb, poster, posterFull, dataset. */
  name: string;
  fileName: string;
  contentType: string;
  size: number;
  uri: string;
  /** stdio: the stored file on this machine (read it, don't modify it). */
  path?: string;
  /** HTTP: the REST URL (send the same Authorization header). */
  url?: string;
}

export function storedAssets(row: Pick<RenderRow, 'assets'>): [string, StoredAsset][] {
  return Object.entries(JSON.parse(row.assets) as RenderAssets) as [string, StoredAsset][];
}

export function assetType(name: string, asset?: StoredAsset): { contentType: string; fileName: string } {
  return name in ASSET_TYPES ? storedAssetType(name as AssetName, asset) : { contentType: 'application/octet-stream', fileName: name };
}

/** Main file first, as the reference lists them; names this module does not know go last. */
const ORDER = Object.keys(ASSET_TYPES);
const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);

export function renderFiles(session: McpSession, context: AppContext, row: Pick<RenderRow, 'id' | 'assets'>): RenderFile[] {
  return storedAssets(row)
    .filter(([, asset]) => context.store.has(asset.key))
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([name, asset]) => {
      const type = assetType(name, asset);
      const file: RenderFile = { name, fileName: type.fileName, contentType: type.contentType, size: asset.size, uri: renderResourceUri(row.id, name) };
      if (session.transport === 'stdio') file.path = context.store.pathOf(asset.key);
      const restPath = REST_PATHS[name as AssetName];
      if (session.apiUrl && restPath) file.url = session.apiUrl(`/renders/${encodeURIComponent(row.id)}/${restPath}`);
      return file;
    });
}

/** The stored file of one asset of a render, or null while it does not exist. */
export function storedAssetPath(context: AppContext, row: Pick<RenderRow, 'assets'>, name: string): string | null {
  const asset = storedAssets(row).find(([assetName]) => assetName === name)?.[1];
  return asset && context.store.has(asset.key) ? context.store.pathOf(asset.key) : null;
}
