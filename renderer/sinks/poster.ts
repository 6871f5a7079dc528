/**
 * The poster sink: one frame of the render, as the still a gallery or a `<video poster>`
 * shows — `poster.png` at full resolution and `poster-thumb.png`, a small preview.
 *
 * The frame comes straight from WebGL `readPixels` (RGBA, rows bottom-up, opaque). PNG is
 * lossless, so poster.png holds exactly the rendered pixels; alpha is dropped because the
 * frame is already composited on its background.
 *
 * Usage:
 * ```ts
 * const { poster, posterThumb } = await writePosters(pixels, 1920, 1080, directory);
 * // `pixels` is copied synchronously: the caller may overwrite it as soon as the call returns.
 * ```
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { RenderbayError } from '../../src/errors.js';

const NAME = 'poster';

export interface PosterOptions {
  /** Longest side of poster-thumb.png in pixels; smaller frames are not enlarged. */
  thumbLongSide: number;
  /** zlib level of both PNGs: 6 is within a few percent of 9's size at a fraction of its time. */
  compressionLevel: number;
  /** Keep the alpha channel: a transparent still's poster stays transparent. */
  alpha: boolean;
}

export const DEFAULTS: PosterOptions = { thumbLongSide: 480, compressionLevel: 6, alpha: false };

/** File names of the outputs inside `directory`. */
export const POSTER_FILES = { poster: 'poster.png', posterThumb: 'poster-thumb.png' } as const;

export async function writePosters(
  rgbaBottomUp: Uint8Array,
  width: number,
  height: number,
  directory: string,
  options: Partial<PosterOptions> = {},
): Promise<{ poster: string; posterThumb: string }> {
  const { thumbLongSide, compressionLevel, alpha } = { ...DEFAULTS, ...options };
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RenderbayError('invalid_settings', `${NAME}: frame size must be positive whole pixels, got ${width}×${height}`);
  }
  if (rgbaBottomUp.byteLength !== width * height * 4) {
    throw new RenderbayError(
      'invalid_frame',
      `${NAME}: a ${width}×${height} RGBA frame has ${width * height * 4} bytes, got ${rgbaBottomUp.byteLength}`,
      500,
    );
  }
  // The copy (a few ms, once per render) comes before the first await: the caller reuses
  // the buffer for the next frame as soon as we yield, and sharp reads its input later on
  // its own threads. Copying after `await mkdir` made posters show frame 1 on slow machines.
  const pixels = Buffer.from(rgbaBottomUp);
  await mkdir(directory, { recursive: true });
  const files = {
    poster: path.join(directory, POSTER_FILES.poster),
    posterThumb: path.join(directory, POSTER_FILES.posterThumb),
  };
  const flipped = sharp(pixels, { raw: { width, height, channels: 4 } }).flip();
  const upright = alpha ? flipped : flipped.removeAlpha();
  await Promise.all([
    upright.clone().png({ compressionLevel }).toFile(files.poster),
    upright
      .clone()
      .resize(thumbLongSide, thumbLongSide, { fit: 'inside', withoutEnlargement: true })
      .png({ compressionLevel })
      .toFile(files.posterThumb),
  ]);
  return files;
}
