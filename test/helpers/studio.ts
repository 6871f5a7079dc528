/**
 * Stills for tests, rendered in-process by the real renderer (the same Studio a video
 * render uses), on the Xvfb display the engine manages. Returns top-down RGB(A) images.
 */
import { ensureDisplay } from '../../renderer/display.js';
import { Studio, type StudioPlan } from '../../renderer/studio.js';
import { planRender, type OverlayImage } from '../../src/render/render-plan.js';
import { parseRenderSettings, type RenderSettingsInput } from '../../src/settings/render-settings.js';
import type { Antialiasing } from '../../src/render/render-plan.js';
import type { RawImage } from './media.js';

export interface StillOptions {
  settings?: RenderSettingsInput;
  antialiasing?: Antialiasing;
  /** Frames to render, as indices into the move (default [0]). */
  frames?: number[];
}

/** Renders the given frames of a model's move and returns them as top-down RGBA images. */
export async function renderStills(modelPath: string, options: StillOptions = {}): Promise<RawImage[]> {
  process.env.DISPLAY = await ensureDisplay();
  const plan: StudioPlan = planRender(parseRenderSettings(options.settings ?? {}), modelPath, '/nonexistent', {
    antialiasing: options.antialiasing,
  });
  const studio = await Studio.open(plan);
  try {
    return (options.frames ?? [0]).map((index) => topDown(studio.frame(index), plan.width, plan.height));
  } finally {
    studio.dispose();
  }
}

export async function renderStill(modelPath: string, options: Omit<StillOptions, 'frames'> = {}): Promise<RawImage> {
  const [image] = await renderStills(modelPath, options);
  return image;
}

/**
 * Frame 0 rendered once and composited as several variants (settings that differ only in
 * background fields, as the job engine groups them): one top-down RGBA image per variant,
 * then, for quality "pro", each variant's transparent layer.
 */
export async function renderVariantStills(
  modelPath: string,
  variants: RenderSettingsInput[],
  overlays: Record<string, OverlayImage> = {},
): Promise<{ onBackground: RawImage[]; transparent: RawImage[] }> {
  process.env.DISPLAY = await ensureDisplay();
  const variantSettings = variants.map((settings) => parseRenderSettings(settings));
  const plan = planRender(variantSettings[0], modelPath, '/nonexistent', { variantSettings, overlays });
  const studio = await Studio.open(plan);
  try {
    studio.renderScene(0);
    const onBackground = variants.map((_, index) => topDown(studio.composite(index), plan.width, plan.height));
    const transparent = plan.encoding === 'prores4444' ? variants.map((_, index) => topDown(studio.compositeTransparent(index), plan.width, plan.height)) : [];
    return { onBackground, transparent };
  } finally {
    studio.dispose();
  }
}

/** GL rows are bottom-up; images for humans and ffmpeg are top-down. */
export function topDown(pixels: Uint8Array, width: number, height: number): RawImage {
  const data = Buffer.alloc(pixels.length);
  const row = width * 4;
  for (let y = 0; y < height; y++) data.set(pixels.subarray((height - 1 - y) * row, (height - y) * row), y * row);
  return { width, height, channels: 4, data };
}
