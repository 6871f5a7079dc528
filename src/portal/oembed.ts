/**
 * oEmbed (https://oembed.com) for share pages: `GET /portal/oembed?url=<share page URL>` →
 * a `video` response whose html is an iframe of the share page. A URL that is not a share
 * page of this server, or of a render that is not shareable, answers 404 as the spec asks.
 */
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { html } from '../http/html.js';
import { LIMITS } from '../limits.js';
import { PORTAL_PREFIX } from '../sharing/share-paths.js';
import { findShareableRender } from '../sharing/sharing.js';
import { shareFacts } from './share-page.js';

export interface OembedVideo {
  version: '1.0';
  type: 'video';
  provider_name: 'Renderbay';
  provider_url: string;
  title: string;
  html: string;
  width: number;
  height: number;
  thumbnail_url?: string;
  thumbnail_width?: number;
  thumbnail_height?: number;
}

export function oembedFor(context: AppContext, baseUrl: string, query: Record<string, string | undefined>): OembedVideo {
  if (query.format !== undefined && query.format !== 'json') throw new RenderbayError('not_implemented', 'Only format=json is offered', 501);
  const url = query.url ?? '';
  if (url === '' || url.length > LIMITS.maxOembedUrlLength) throw new RenderbayError('invalid_request', `url must be a share page URL (${baseUrl}${PORTAL_PREFIX}/v/{renderId})`, 400);
  const prefix = `${baseUrl}${PORTAL_PREFIX}/v/`;
  const rest = url.startsWith(prefix) ? url.slice(prefix.length).replace(/[?#].*$/, '').replace(/\/$/, '') : '';
  const renderId = rest !== '' && !rest.includes('/') ? decodeURIComponent(rest) : undefined;
  const facts = shareFacts(findShareableRender(context, renderId), baseUrl);
  // Fit maxwidth/maxheight (when given) keeping the aspect ratio, as consumers ask.
  const scale = Math.min(1, positive(query.maxwidth) / facts.width, positive(query.maxheight) / facts.height);
  const width = Math.round(facts.width * scale);
  const height = Math.round(facts.height * scale);
  return {
    version: '1.0',
    type: 'video',
    provider_name: 'Renderbay',
    provider_url: baseUrl,
    title: facts.title,
    html: html`<iframe src="${facts.pageUrl}" width="${width}" height="${height}" title="${facts.title}" style="border:0" allow="autoplay; fullscreen" allowfullscreen></iframe>`.text,
    width,
    height,
    ...(facts.posterUrl ? { thumbnail_url: facts.posterUrl, thumbnail_width: facts.width, thumbnail_height: facts.height } : {}),
  };
}

function positive(value: string | undefined): number {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : Number.POSITIVE_INFINITY;
}
