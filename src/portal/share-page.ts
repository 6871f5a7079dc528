/**
 * The public share page of a render (`GET /portal/v/{renderId}`): its web video playing over
 * its poster (or the stills gallery of a stills render), the model's title and SKU, download
 * links, and the OpenGraph / Twitter card / oEmbed tags that let a pasted link unfold in chat
 * apps. Server-rendered, no script, no external font or CDN: it works offline, and every
 * user-provided text passes through the escaping `html` tag.
 */
import { html, rawHtml, type Html } from '../http/html.js';
import { renderAssets, stillAssets } from '../renders/render-assets.js';
import { frameSize, type RenderSettings } from '../settings/render-settings.js';
import { oembedPath, sharePagePath, sharePosterPath, shareStillPath, shareVideoPath } from '../sharing/share-paths.js';
import type { ShareableRender } from '../sharing/sharing.js';

/** What the page, its meta tags and oEmbed say about a shared render. */
export interface ShareFacts {
  title: string;
  sku: string | null;
  pageUrl: string;
  posterUrl: string | null;
  videoUrl: string | null;
  fullVideoUrl: string | null;
  stills: { name: string; url: string; width: number; height: number }[];
  width: number;
  height: number;
}

export function shareFacts(shared: ShareableRender, baseUrl: string): ShareFacts {
  const { row } = shared;
  const assets = renderAssets(row);
  const settings = JSON.parse(row.settings) as RenderSettings;
  const size = settings.quality && settings.aspect ? frameSize(settings.quality, settings.aspect) : { width: 1280, height: 720 };
  return {
    title: shared.title ?? shared.modelName,
    sku: shared.sku,
    pageUrl: `${baseUrl}${sharePagePath(row.id)}`,
    posterUrl: assets.posterFull || assets.poster ? `${baseUrl}${sharePosterPath(row.id)}` : null,
    videoUrl: assets.web || assets.video ? `${baseUrl}${shareVideoPath(row.id)}` : null,
    fullVideoUrl: assets.video ? `${baseUrl}${sharePagePath(row.id)}/video` : null,
    stills: stillAssets(assets).map(({ name, asset }) => ({ name, url: `${baseUrl}${shareStillPath(row.id, name)}`, width: asset.width ?? 0, height: asset.height ?? 0 })),
    ...size,
  };
}

const STYLE = rawHtml(`
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #111; color: #eee; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px; }
  h1 { font-size: 1.4rem; margin: 8px 0 4px; overflow-wrap: anywhere; }
  .sku { color: #aaa; margin: 0 0 12px; }
  video, .stills img { display: block; width: 100%; height: auto; background: #000; border-radius: 6px; }
  .stills { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
  .stills figure { margin: 0; } .stills figcaption { color: #aaa; font-size: .85rem; padding-top: 4px; }
  .downloads { display: flex; flex-wrap: wrap; gap: 8px; margin: 14px 0; }
  .downloads a { color: #111; background: #eee; padding: 8px 14px; border-radius: 6px; text-decoration: none; font-weight: 600; }
  .downloads a:focus-visible { outline: 3px solid #6af; outline-offset: 2px; }
  footer { color: #777; font-size: .8rem; padding: 12px 0; }
`);

export function sharePageHtml(facts: ShareFacts): string {
  const heading = facts.sku ? html`<h1>${facts.title}</h1><p class="sku">SKU ${facts.sku}</p>` : html`<h1>${facts.title}</h1>`;
  const player: Html = facts.videoUrl
    ? html`<video controls autoplay muted loop playsinline preload="auto" width="${facts.width}" height="${facts.height}"${facts.posterUrl ? html` poster="${facts.posterUrl}"` : ''} aria-label="${facts.title}"><source src="${facts.videoUrl}" type="video/mp4"></video>`
    : html``;
  const gallery = facts.stills.length
    ? html`<section class="stills" aria-label="Stills">${facts.stills.map(
        (still) => html`<figure><a href="${still.url}"><img src="${still.url}" alt="${facts.title} – ${still.name}" width="${still.width || ''}" height="${still.height || ''}" loading="lazy"></a><figcaption>${still.name}</figcaption></figure>`,
      )}</section>`
    : html``;
  const downloads = [
    facts.videoUrl ? html`<a href="${facts.videoUrl}" download>Download web video</a>` : '',
    facts.fullVideoUrl ? html`<a href="${facts.fullVideoUrl}" download>Download full video</a>` : '',
    facts.posterUrl ? html`<a href="${facts.posterUrl}" download>Download poster</a>` : '',
    ...facts.stills.map((still) => html`<a href="${still.url}" download>Download ${still.name}</a>`),
  ];
  const description = facts.sku ? `${facts.title} (SKU ${facts.sku}), rendered with Renderbay` : `${facts.title}, rendered with Renderbay`;
  const oembed = `${new URL(facts.pageUrl).origin}${oembedPath}?url=${encodeURIComponent(facts.pageUrl)}&format=json`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${facts.title} · Renderbay</title>
<meta name="description" content="${description}">
<meta property="og:site_name" content="Renderbay">
<meta property="og:title" content="${facts.title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${facts.pageUrl}">
<meta property="og:type" content="${facts.videoUrl ? 'video.other' : 'website'}">
${facts.posterUrl ? html`<meta property="og:image" content="${facts.posterUrl}">` : ''}
${facts.videoUrl
  ? html`<meta property="og:video" content="${facts.videoUrl}">
<meta property="og:video:type" content="video/mp4">
<meta property="og:video:width" content="${facts.width}">
<meta property="og:video:height" content="${facts.height}">
<meta name="twitter:card" content="player">
<meta name="twitter:player" content="${facts.pageUrl}">
<meta name="twitter:player:width" content="${facts.width}">
<meta name="twitter:player:height" content="${facts.height}">
<meta name="twitter:player:stream" content="${facts.videoUrl}">`
  : html`<meta name="twitter:card" content="summary_large_image">`}
<meta name="twitter:title" content="${facts.title}">
${facts.posterUrl ? html`<meta name="twitter:image" content="${facts.posterUrl}">` : ''}
<link rel="alternate" type="application/json+oembed" href="${oembed}" title="${facts.title}">
<style>${STYLE}</style>
</head>
<body>
<main>
${heading}
${player}
${gallery}
<nav class="downloads" aria-label="Downloads">${downloads}</nav>
<footer>Rendered with Renderbay</footer>
</main>
</body>
</html>
`.text;
}

/** The page a missing or unshared render answers with: the same bytes for both. */
export const NOT_FOUND_PAGE = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not found · Renderbay</title>
<style>${STYLE}</style></head><body><main><h1>Not found</h1><p>This render does not exist or is not shared.</p></main></body></html>
`.text;
