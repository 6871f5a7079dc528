/**
 * The still-image sink: one composited frame as a PNG, JPEG, WebP or AVIF file.
 *
 * The frame comes straight from WebGL `readPixels` (RGBA, rows bottom-up). An opaque
 * still drops the alpha channel; a transparent one keeps it (straight alpha, as the
 * transparent composite layer writes it).
 *
 * Usage:
 * ```ts
 * const file = await writeStillImage(pixels, { width, height, format: 'webp', alpha: true }, 'out/stills/front.webp');
 * // `pixels` is copied synchronously: the caller may overwrite it as soon as the call returns.
 * ```
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { ImageFormat } from '../../src/settings/stills-settings.js';

export interface StillImageOptions {
  width: number;
  height: number;
  format: ImageFormat;
  /** Keep the alpha channel (transparent stills). */
  alpha: boolean;
}

/** File extension of each format. */
export const STILL_EXTENSIONS: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp', avif: 'avif' };

/**
 * Encoder settings: PNG zlib 6 (near 9's size at a fraction of its time); lossy formats at
 * a quality where product edges and text on labels stay clean; AVIF at effort 2, since its
 * default effort takes seconds per 2k image on two cores.
 */
function encode(image: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'png':
      return image.png({ compressionLevel: 6 });
    case 'jpeg':
      return image.jpeg({ quality: 92, mozjpeg: true });
    case 'webp':
      return image.webp({ quality: 92, alphaQuality: 100 });
    case 'avif':
      return image.avif({ quality: 70, effort: 2 });
  }
}

export async function writeStillImage(rgbaBottomUp: Uint8Array, options: StillImageOptions, file: string): Promise<string> {
  const { width, height, format, alpha } = options;
  if (rgbaBottomUp.byteLength !== width * height * 4) throw new RangeError(`a ${width}×${height} RGBA frame has ${width * height * 4} bytes, got ${rgbaBottomUp.byteLength}`);
  // Copied before the first await: the caller reuses its buffer for the next still.
  const pixels = Buffer.from(rgbaBottomUp);
  await mkdir(path.dirname(file), { recursive: true });
  let image = sharp(pixels, { raw: { width, height, channels: 4 } }).flip();
  if (!alpha) image = image.removeAlpha();
  await encode(image, format).toFile(file);
  return file;
}
