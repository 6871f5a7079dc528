/**
 * The inline preview of a render that `get_render` attaches once the poster exists: the
 * small poster PNG as a JPEG an agent can look at. Vision models downscale anything past
 * 1568 px on the long side, and a tool result should stay well under 1 MB, so the preview
 * is capped at both (posters are far smaller; the caps guard larger future ones).
 */
import { readFile } from 'node:fs/promises';

export const PREVIEW_DEFAULTS = {
  /** Longest side in pixels. */
  maxSide: 1568,
  /** Largest JPEG in bytes (base64 adds a third: 512 KB → ~683 KB of JSON). */
  maxBytes: 512 * 1024,
  quality: 80,
} as const;

export interface Preview {
  /** Base64 JPEG. */
  data: string;
  mimeType: 'image/jpeg';
  width: number;
  height: number;
  bytes: number;
}

/**
 * Recent previews by poster file. Store paths are content addresses, so an entry can never
 * go stale, and an agent polling a finished render does not pay for the JPEG every time.
 */
const cache = new Map<string, Promise<Preview>>();
const CACHE_ENTRIES = 64;

/** Longest side of the previews wait_for_renders attaches, one per render: enough to check framing and background. */
export const SMALL_PREVIEW_SIDE = 256;

/** When a tool attaches previews: never (default), once the render is done, or whenever a poster exists. */
export const PREVIEW_MODES = ['none', 'final', 'always'] as const;
export type PreviewMode = (typeof PREVIEW_MODES)[number];

export function wantsPreview(mode: PreviewMode | undefined, status: string): boolean {
  return mode === 'always' || (mode === 'final' && status === 'done');
}

export function renderPreview(posterPath: string, maxSide: number = PREVIEW_DEFAULTS.maxSide): Promise<Preview> {
  const key = `${maxSide}:${posterPath}`;
  let preview = cache.get(key);
  if (!preview) {
    preview = encodePreview(posterPath, maxSide);
    preview.catch(() => cache.delete(key));
    cache.set(key, preview);
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  }
  return preview;
}

async function encodePreview(posterPath: string, maxSide: number): Promise<Preview> {
  const { maxBytes, quality } = PREVIEW_DEFAULTS;
  // Loaded on first use: sharp costs ~100 ms to import, and `renderbay mcp` must start fast.
  const { default: sharp } = await import('sharp');
  const input = await readFile(posterPath);
  for (let side: number = maxSide; ; side = Math.floor(side / 2)) {
    const { data, info } = await sharp(input)
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' }) // a transparent poster (pro) previews on white
      .jpeg({ quality, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    if (data.length <= maxBytes || side <= 64) {
      return { data: data.toString('base64'), mimeType: 'image/jpeg', width: info.width, height: info.height, bytes: data.length };
    }
  }
}
