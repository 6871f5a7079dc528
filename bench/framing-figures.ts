/**
 * Auto framing's figures (issue 13): how much of a 16:9 share frame each model's silhouette
 * spans with the default `fill`, at the front and at its widest over a turntable, and
 * whether any frame of any move (turntable, hero-spin, showcase, zoom-orbit, reveal) touches an edge. Rendered in-process with the real Studio, on magenta,
 * without shadows or anti-aliasing (the silhouette is all that is measured).
 */
import { ensureDisplay } from '../renderer/display.js';
import { Studio } from '../renderer/studio.js';
import { planRender } from '../src/render/render-plan.js';
import { EFFECTS, parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { silhouette } from '../test/helpers/image.js';
import { topDown } from '../test/helpers/studio.js';

/** Eight frames spread over a move, first and last included (a turntable's last is its front again). */
const SAMPLES = [0, 1, 2, 3, 4, 5, 6, 7];
/** A background no fidelity model is close to (a light grey cube vanishes against white). */
const BACKGROUND = '#ff00ff';
const BACKGROUND_RGB = [255, 0, 255];

export interface FramingFigures {
  /** Silhouette height as a share of the frame height, front view. */
  frontHeight: number;
  /** Smallest and largest height share over the turntable. */
  heights: [number, number];
  /** Whether the silhouette touched the frame's edge on any frame of the turntable. */
  clipped: boolean;
  /** The other moves whose silhouette touched the frame's edge on a sampled frame (eight per move). */
  clippedMoves: string[];
}

export async function framingFigures(modelPath: string, settings: RenderSettingsInput = {}): Promise<FramingFigures> {
  process.env.DISPLAY = await ensureDisplay();
  const turntable = await measureMove(modelPath, settings);
  const clippedMoves: string[] = [];
  for (const effect of EFFECTS.filter((effect) => effect !== 'turntable')) {
    if ((await measureMove(modelPath, { ...settings, effect })).some((shape) => shape.clipped)) clippedMoves.push(effect);
  }
  const heights = turntable.map((shape) => shape.height);
  return { frontHeight: heights[0], heights: [Math.min(...heights), Math.max(...heights)], clipped: turntable.some((shape) => shape.clipped), clippedMoves };
}

/** The silhouette's height share and whether it touches an edge, on eight frames spread over a move. */
async function measureMove(modelPath: string, settings: RenderSettingsInput): Promise<{ height: number; clipped: boolean }[]> {
  const plan = planRender(parseRenderSettings({ shadows: false, easing: false, bgColor: BACKGROUND, ...settings }), modelPath, '/nonexistent', { antialiasing: 'none' });
  const studio = await Studio.open(plan);
  try {
    return SAMPLES.map((sample) => {
      const image = topDown(studio.frame(Math.round((sample * (plan.frameCount - 1)) / (SAMPLES.length - 1))), plan.width, plan.height);
      const shape = silhouette(image, BACKGROUND_RGB, 30);
      // A flat model seen edge-on shows nothing: height 0.
      if (shape.count === 0) return { height: 0, clipped: false };
      return { height: shape.heightShare, clipped: shape.minX <= 0 || shape.minY <= 0 || shape.maxX >= plan.width - 1 || shape.maxY >= plan.height - 1 };
    });
  } finally {
    studio.dispose();
  }
}
