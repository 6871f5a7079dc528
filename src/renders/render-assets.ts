/**
 * The downloadable files of a render, as stored on its row: which store key holds each
 * asset, and how each is served (content type, file name).
 */
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import type { FileStore } from '../storage/file-store.js';
import type { RenderRow } from './render-service.js';

export interface StoredAsset {
  key: string;
  size: number;
  /** The file's own name when it differs from the asset's usual one (pro's video is video.mov). */
  fileName?: string;
  /** The content's CRC-32 (the bundle's zip headers need it before the first byte); absent on renders stored before it. */
  crc32?: number;
}

export type AssetName = 'video' | 'web' | 'thumb' | 'poster' | 'posterFull' | 'dataset';

export type RenderAssets = Partial<Record<AssetName, StoredAsset>>;

export const ASSET_TYPES: Record<AssetName, { contentType: string; fileName: string }> = {
  video: { contentType: 'video/mp4', fileName: 'video.mp4' },
  web: { contentType: 'video/mp4', fileName: 'web.mp4' },
  thumb: { contentType: 'video/mp4', fileName: 'thumb.mp4' },
  poster: { contentType: 'image/png', fileName: 'poster-thumb.png' },
  posterFull: { contentType: 'image/png', fileName: 'poster.png' },
  dataset: { contentType: 'application/zip', fileName: 'dataset.zip' },
};

const CONTENT_TYPES: Record<string, string> = { '.mp4': 'video/mp4', '.mov': 'video/quicktime', '.png': 'image/png', '.zip': 'application/zip' };

/** How an asset is served: its usual type, or the type of the file it actually holds (pro: video.mov). */
export function assetType(name: AssetName, asset?: StoredAsset): { contentType: string; fileName: string } {
  const usual = ASSET_TYPES[name];
  if (!asset?.fileName || asset.fileName === usual.fileName) return usual;
  return { contentType: CONTENT_TYPES[path.extname(asset.fileName)] ?? 'application/octet-stream', fileName: asset.fileName };
}

/** A stored output, remembering its file name when it is not the asset's usual one. */
export function storedAs(name: AssetName, stored: StoredAsset, file: string): StoredAsset {
  const fileName = path.basename(file);
  return fileName === ASSET_TYPES[name].fileName ? stored : { ...stored, fileName };
}

/** The 404 code of each asset while it does not exist (REFERENCE.md; dataset is a Renderbay addition). */
const NOT_FOUND_CODES: Record<AssetName, string> = {
  video: 'video_not_found',
  web: 'video_not_found',
  thumb: 'thumb_not_found',
  dataset: 'dataset_not_found',
  poster: 'poster_not_found',
  posterFull: 'poster_not_found',
};

export function isAssetName(name: string): name is AssetName {
  return Object.hasOwn(ASSET_TYPES, name);
}

/** A render's stored assets, as its row holds them. */
export function renderAssets(row: Pick<RenderRow, 'assets'>): RenderAssets {
  return JSON.parse(row.assets) as RenderAssets;
}

/**
 * One asset of a render whose file is in the store, as REST and MCP resources serve it; a
 * 404 with the asset's not-found code while it does not exist (file_not_found for a name
 * that is no asset).
 */
export function requireRenderAsset(store: FileStore, row: Pick<RenderRow, 'id' | 'status' | 'assets'>, name: string): { name: AssetName; asset: StoredAsset } {
  const asset = isAssetName(name) ? renderAssets(row)[name] : undefined;
  if (!isAssetName(name) || !asset || !store.has(asset.key)) {
    const code = isAssetName(name) ? NOT_FOUND_CODES[name] : 'file_not_found';
    throw new RenderbayError(code, `The ${name === 'posterFull' ? 'full poster' : name} of render ${row.id} is not available (status: ${row.status})`, 404);
  }
  return { name, asset };
}
