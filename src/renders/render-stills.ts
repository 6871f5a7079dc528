/**
 * The stills of an `output: "stills"` render, as `GET /v1/renders/:id/stills` and MCP list
 * them: in the order they were asked for (the first is also the render's poster).
 */
import path from 'node:path';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { renderAssets, stillAssets } from './render-assets.js';
import { findRenderRow, type RenderRow } from './render-service.js';

export interface StillItem {
  name: string;
  /** png, jpeg, webp or avif. */
  format: string;
  width: number;
  height: number;
  /** Bytes. */
  size: number;
  /** Where `GET …/stills/:name` serves it. */
  url: string;
}

const FORMATS: Record<string, string> = { '.png': 'png', '.jpg': 'jpeg', '.webp': 'webp', '.avif': 'avif' };

/** Route of one still, relative to the API root. */
export const stillRoute = (renderId: string, name: string) => `/renders/${encodeURIComponent(renderId)}/stills/${encodeURIComponent(name)}`;

/** A render row's stills; `urlOf` turns a route into the caller's URL (REST: /v1…, MCP over HTTP: absolute). */
export function stillItems(context: AppContext, row: Pick<RenderRow, 'id' | 'assets'>, urlOf: (route: string) => string): StillItem[] {
  return stillAssets(renderAssets(row))
    .filter(({ asset }) => context.store.has(asset.key))
    .map(({ name, asset }) => ({
      name,
      format: FORMATS[path.extname(asset.fileName ?? '')] ?? 'png',
      width: asset.width ?? 0,
      height: asset.height ?? 0,
      size: asset.size,
      url: urlOf(stillRoute(row.id, name)),
    }));
}

/** The stills of a render; `still_not_found` (404) for a render that is not a stills render. */
export function listStills(context: AppContext, accountId: string, renderId: unknown, urlOf: (route: string) => string): StillItem[] {
  const row = findRenderRow(context, accountId, renderId);
  const settings = JSON.parse(row.settings) as { output?: string };
  if (settings.output !== 'stills') {
    throw new RenderbayError('still_not_found', `Render ${row.id} is not a stills render (output "${settings.output}"); render with output "stills"`, 404);
  }
  return stillItems(context, row, urlOf);
}
