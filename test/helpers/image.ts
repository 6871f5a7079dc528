/**
 * Pixel measurements the render tests assert on: where the model's silhouette is, how
 * much two images differ, how dark a region is.
 */
import type { RawImage } from './media.js';

export interface Silhouette {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  /** Pixels that differ from the background. */
  count: number;
  /** Centre of the bounding box, as a share of the frame (0.5, 0.5 = centred). */
  centreX: number;
  centreY: number;
  /** Bounding-box size as a share of the frame. */
  widthShare: number;
  heightShare: number;
}

/**
 * Pixels that differ from `background` by more than `threshold` (max channel difference),
 * within the optional row range (to exclude a floor shadow, say).
 */
export function silhouette(image: RawImage, background: readonly number[], threshold = 24, rows: [number, number] = [0, image.height]): Silhouette {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  let count = 0;
  for (let y = rows[0]; y < rows[1]; y++) {
    for (let x = 0; x < image.width; x++) {
      const offset = (y * image.width + x) * image.channels;
      let difference = 0;
      for (let channel = 0; channel < 3; channel++) difference = Math.max(difference, Math.abs(image.data[offset + channel] - background[channel]));
      if (difference <= threshold) continue;
      count++;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  return {
    minX,
    maxX,
    minY,
    maxY,
    count,
    centreX: (minX + maxX + 1) / 2 / image.width,
    centreY: (minY + maxY + 1) / 2 / image.height,
    widthShare: (maxX - minX + 1) / image.width,
    heightShare: (maxY - minY + 1) / image.height,
  };
}

/** Mean absolute difference per channel (0–255) between two same-sized images. */
export function meanDifference(a: RawImage, b: RawImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('images differ in size');
  let sum = 0;
  let samples = 0;
  for (let pixel = 0; pixel < a.width * a.height; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      sum += Math.abs(a.data[pixel * a.channels + channel] - b.data[pixel * b.channels + channel]);
      samples++;
    }
  }
  return sum / samples;
}

/** Mean luminance (Rec. 709 weights on the 8-bit values) of a rectangle. */
export function meanLuminance(image: RawImage, x: number, y: number, width: number, height: number): number {
  let sum = 0;
  for (let row = y; row < y + height; row++) {
    for (let column = x; column < x + width; column++) {
      const offset = (row * image.width + column) * image.channels;
      sum += 0.2126 * image.data[offset] + 0.7152 * image.data[offset + 1] + 0.0722 * image.data[offset + 2];
    }
  }
  return sum / (width * height);
}

/** Mean saturation-ish measure of a rectangle: mean of (max channel − min channel). */
export function meanChroma(image: RawImage, x: number, y: number, width: number, height: number): number {
  let sum = 0;
  for (let row = y; row < y + height; row++) {
    for (let column = x; column < x + width; column++) {
      const offset = (row * image.width + column) * image.channels;
      const channels = [image.data[offset], image.data[offset + 1], image.data[offset + 2]];
      sum += Math.max(...channels) - Math.min(...channels);
    }
  }
  return sum / (width * height);
}

/** Bounding box (in pixels) of where two same-sized images differ by more than `threshold` in any channel: what one render adds to another, a shadow say. */
export function differenceBox(a: RawImage, b: RawImage, threshold = 8): { minX: number; maxX: number; minY: number; maxY: number; count: number } {
  if (a.width !== b.width || a.height !== b.height) throw new Error('images differ in size');
  const box = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity, count: 0 };
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const pixel = y * a.width + x;
      let difference = 0;
      for (let channel = 0; channel < 3; channel++) difference = Math.max(difference, Math.abs(a.data[pixel * a.channels + channel] - b.data[pixel * b.channels + channel]));
      if (difference <= threshold) continue;
      box.count++;
      box.minX = Math.min(box.minX, x);
      box.maxX = Math.max(box.maxX, x);
      box.minY = Math.min(box.minY, y);
      box.maxY = Math.max(box.maxY, y);
    }
  }
  return box;
}

/** A rectangle of an image, as its own image (to compare one part of a frame). */
export function crop(image: RawImage, x: number, y: number, width: number, height: number): RawImage {
  const data = Buffer.alloc(width * height * image.channels);
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * image.width + x) * image.channels;
    image.data.copy(data, row * width * image.channels, start, start + width * image.channels);
  }
  return { width, height, channels: image.channels, data };
}
