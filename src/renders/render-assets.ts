/**
 * The downloadable files of a render, as stored on its row: which store key holds each
 * asset, and how each is served (content type, file name).
 */
export interface StoredAsset {
  key: string;
  size: number;
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
