/**
 * `GET /renders/:id/bundle`: every file of a finished render in one ZIP, served like the
 * other assets (Content-Length, Range, a strong ETag, `immutable`). The zip is laid out
 * from the stored files and their CRC-32s (zip-stream.ts), never written anywhere, so a
 * bundle with a 4 GB ProRes master costs no second copy and resumes without re-reading
 * the files before the resume point.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { layoutZip, type ZipLayout } from '../http/zip-stream.js';
import { crc32OfFile } from '../storage/file-store.js';
import { assetType, renderAssets, type AssetName, type RenderAssets } from './render-assets.js';
import type { RenderRow } from './render-service.js';

/** The bundle's entries, always in this order: the order is part of its bytes. */
const BUNDLE_ORDER: AssetName[] = ['video', 'web', 'thumb', 'posterFull', 'poster', 'dataset'];

/** Bumped whenever the zip layout changes, so caches holding the old bytes see a new ETag. */
const LAYOUT_VERSION = 'renderbay-bundle-1';

export interface RenderBundle {
  layout: ZipLayout;
  /** From the entries' names and SHA-256s: the same files give the same bytes, and the same tag. */
  etag: string;
  lastModified: Date;
  downloadName: string;
}

export async function renderBundle(context: AppContext, row: RenderRow): Promise<RenderBundle> {
  const assets = renderAssets(row);
  if (row.status !== 'done' || !(assets.video || assets.dataset)) {
    throw new RenderbayError('video_not_found', `Render ${row.id} is not done yet (status: ${row.status}); the bundle needs its video or dataset`, 404);
  }
  const present = BUNDLE_ORDER.filter((name) => assets[name] && context.store.has(assets[name].key));
  const entries = [];
  const learned: RenderAssets = {};
  for (const name of present) {
    const asset = assets[name]!;
    const filePath = context.store.pathOf(asset.key);
    const { size } = await stat(filePath).catch(() => {
      throw new RenderbayError('file_not_found', 'File not found', 404);
    });
    // Renders stored before CRC-32s were recorded: read each file once, remember the result.
    if (asset.crc32 === undefined) learned[name] = { ...asset, crc32: await crc32OfFile(filePath) };
    entries.push({ name: assetType(name, asset).fileName, path: filePath, size, crc32: (learned[name] ?? asset).crc32! });
  }
  if (Object.keys(learned).length > 0) rememberCrc32s(context, row.id, learned);

  const etag = createHash('sha256').update(LAYOUT_VERSION);
  for (const [index, name] of present.entries()) etag.update(`\n${entries[index]!.name}\0${assets[name]!.key}`);
  const finishedAt = (row as RenderRow & { finished_at?: string | null }).finished_at ?? row.updated_at;
  return { layout: layoutZip(entries), etag: etag.digest('hex'), lastModified: new Date(finishedAt), downloadName: `render-${row.id}.zip` };
}

function rememberCrc32s(context: AppContext, renderId: string, learned: RenderAssets): void {
  const { db } = context;
  db.transaction(() => {
    const row = db.prepare('SELECT assets FROM renders WHERE id = ?').get(renderId) as { assets: string } | undefined;
    if (!row) return;
    const assets = JSON.parse(row.assets) as RenderAssets;
    for (const [name, asset] of Object.entries(learned) as [AssetName, NonNullable<RenderAssets[AssetName]>][]) {
      if (assets[name]?.key === asset.key) assets[name] = { ...assets[name], crc32: asset.crc32 };
    }
    db.prepare('UPDATE renders SET assets = ? WHERE id = ?').run(JSON.stringify(assets), renderId);
  })();
}
