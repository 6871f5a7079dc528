/**
 * Turns the background image and the foreground overlays into frame-sized RGBA pixels once
 * per render, with sharp, so the per-frame composite shader samples them one texel per
 * output pixel: exact, cheap, and free of WebGL 1's non-power-of-two texture limits.
 *
 * - Background: flattened onto bgColor (a PNG's transparent parts show the colour, as a
 *   page behind an <img> would), scaled to cover the frame, cropped at its alignment.
 *   Opaque.
 * - Foreground: every overlay scaled for the frame's short side, placed at its own
 *   alignment and stacked in order with "over", on a transparent frame. Straight alpha.
 *
 * Both are returned rows bottom-up, as GL textures and readPixels count rows.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { RenderbayError } from '../../src/errors.js';
import type { OverlayImage } from '../../src/render/render-plan.js';
import { coverSize, overlaySize, place, visiblePart, type Size } from './overlay-placement.js';

/** Frame-sized RGBA, rows bottom-up. */
export interface FramePixels extends Size {
  data: Buffer;
}

async function imageSize(file: string): Promise<Size> {
  try {
    const { width, height } = await sharp(file).metadata();
    if (!width || !height) throw new Error('no image size');
    return { width, height };
  } catch (error) {
    throw new RenderbayError('invalid_overlay', `Overlay ${file} could not be read as an image: ${(error as Error).message}`, 422);
  }
}

export async function rasteriseBackground(image: OverlayImage, colour: string, frame: Size): Promise<FramePixels> {
  const size = coverSize(await imageSize(image.path), frame);
  const crop = visiblePart(place(image.alignment, size, frame), frame)!; // a covering image always fills the frame
  const { data } = await sharp(image.path)
    .flatten({ background: colour })
    .resize(size.width, size.height, { fit: 'fill' })
    .extract(crop.source)
    .ensureAlpha(1)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { ...frame, data: bottomUp(data, frame) };
}

/** The stacked foreground overlays, or null if none has a pixel in the frame. */
export async function rasteriseForeground(overlays: OverlayImage[], frame: Size): Promise<FramePixels | null> {
  const layers: OverlayOptions[] = [];
  for (const overlay of overlays) {
    const natural = await imageSize(overlay.path);
    const size = overlaySize(natural, frame);
    const visible = visiblePart(place(overlay.alignment, size, frame), frame);
    if (!visible) continue;
    let pipeline = sharp(overlay.path).ensureAlpha();
    // An overlay authored at the frame's scale is used pixel for pixel, not resampled.
    if (size.width !== natural.width || size.height !== natural.height) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
    const { data, info } = await pipeline.extract(visible.source).raw().toBuffer({ resolveWithObject: true });
    layers.push({ input: data, raw: { width: info.width, height: info.height, channels: 4 }, left: visible.left, top: visible.top });
  }
  if (layers.length === 0) return null;
  const { data } = await sharp({ create: { width: frame.width, height: frame.height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite(layers)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { ...frame, data: bottomUp(data, frame) };
}

/** Reverses the row order of top-down RGBA pixels. */
function bottomUp(topDown: Buffer, frame: Size): Buffer {
  const row = frame.width * 4;
  const flipped = Buffer.allocUnsafe(topDown.length);
  for (let y = 0; y < frame.height; y++) topDown.copy(flipped, (frame.height - 1 - y) * row, y * row, (y + 1) * row);
  return flipped;
}
