/**
 * `GET /v1/renders/:id/embed`: what a site needs to show a render without a key — signed URLs
 * of its files (valid `ttl` seconds), its public share page, and a ready `<video>` (or `<img>`
 * for a stills render) snippet. Only the URLs expire; the share page lasts while the render is
 * shareable, and is null when it is not.
 */
import type { AppContext } from '../context.js';
import { html } from '../http/html.js';
import { renderAssets } from '../renders/render-assets.js';
import { findRenderRow } from '../renders/render-service.js';
import { isShareable } from './sharing.js';
import { signedUrl, signedUrlExpiry } from './signed-urls.js';
import { sharePagePath } from './share-paths.js';

export interface RenderEmbed {
  shareUrl: string | null;
  videoUrl: string | null;
  webVideoUrl: string | null;
  posterUrl: string | null;
  /** ISO time the signed URLs stop working. */
  expiresAt: string;
  html: string;
}

export function renderEmbed(context: AppContext, baseUrl: string, accountId: string, renderId: unknown, ttl: unknown, now = Date.now()): RenderEmbed {
  const row = findRenderRow(context, accountId, renderId);
  const expires = signedUrlExpiry(ttl, now);
  const assets = renderAssets(row);
  const id = encodeURIComponent(row.id);
  const sign = (name: keyof typeof assets & string, route: string) => {
    const asset = assets[name as 'video'];
    return asset && context.store.has(asset.key) ? signedUrl(context.db, baseUrl, `/v1/renders/${id}/${route}`, expires) : null;
  };
  const videoUrl = sign('video', 'video');
  const webVideoUrl = sign('web', 'video?quality=web');
  const posterUrl = sign('posterFull', 'poster?quality=full') ?? sign('poster', 'poster');
  const playable = webVideoUrl ?? videoUrl;
  const snippet = playable
    ? html`<video autoplay loop muted playsinline${posterUrl ? html` poster="${posterUrl}"` : ''} style="max-width:100%"><source src="${playable}" type="video/mp4"></video>`
    : posterUrl
      ? html`<img src="${posterUrl}" alt="Render ${row.id}" style="max-width:100%">`
      : html``;
  return {
    shareUrl: isShareable(context, row) ? `${baseUrl}${sharePagePath(row.id)}` : null,
    videoUrl,
    webVideoUrl,
    posterUrl,
    expiresAt: new Date(expires * 1000).toISOString(),
    html: snippet.text,
  };
}
