/**
 * The public share page of a render (`GET /portal/v/{renderId}`): its web video playing over
 * its poster (or the stills gallery of a stills render), the model's title and SKU, download
 * links, and the OpenGraph / Twitter card / oEmbed tags that let a pasted link unfold in chat
 * apps. Server-rendered, no script, no external font or CDN: it works offline, and every
 * user-provided text passes through the escaping `html` tag.
 */
import { html, type Html } from '../http/html.js';
import { STYLE } from './page-style.js';
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


/**
 * OpenGraph (`og:*`, as `property`) and Twitter card (as `name`) tags: a player card with the
 * public web.mp4 for a video, a large image card for stills. Absent values leave their tag out.
 */
function metaTags(facts: ShareFacts, description: string): Html {
  const video = facts.videoUrl;
  const tags: [string, string | number | null][] = [
    ['description', description],
    ['og:site_name', 'Renderbay'],
    ['og:title', facts.title],
    ['og:description', description],
    ['og:url', facts.pageUrl],
    ['og:type', video ? 'video.other' : 'website'],
    ['og:image', facts.posterUrl],
    ...(video
      ? ([
          ['og:video', video],
          ['og:video:type', 'video/mp4'],
          ['og:video:width', facts.width],
          ['og:video:height', facts.height],
          ['twitter:card', 'player'],
          ['twitter:player', facts.pageUrl],
          ['twitter:player:width', facts.width],
          ['twitter:player:height', facts.height],
          ['twitter:player:stream', video],
        ] as [string, string | number][])
      : ([['twitter:card', 'summary_large_image']] as [string, string][])),
    ['twitter:title', facts.title],
    ['twitter:image', facts.posterUrl],
  ];
  return html`${tags
    .filter(([, value]) => value !== null)
    .map(([key, value]) => (key.startsWith('og:') ? html`<meta property="${key}" content="${value}">
` : html`<meta name="${key}" content="${value}">
`))}`;
}

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
${metaTags(facts, description)}
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
