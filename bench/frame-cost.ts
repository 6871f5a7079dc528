/**
 * Render cost per frame without encoding: the scene render, supersample resolve,
 * composite and readPixels of one frame, per quality tier. This is the part of a render
 * that a GPU takes over; run it on llvmpipe and on a GPU machine to compare them.
 *
 *   npm run bench -- frames [model] [--qualities share,standard,4k] [--frames N]
 *
 * On an NVIDIA machine, set __GLX_VENDOR_LIBRARY_NAME=nvidia so that GLX (and so
 * headless-gl) uses the NVIDIA driver rather than Mesa.
 */
import { ensureDisplay } from '../renderer/display.js';
import { Studio } from '../renderer/studio.js';
import { planRender } from '../src/render/render-plan.js';
import { parseRenderSettings, type Quality } from '../src/settings/render-settings.js';
import { median, percentile } from './statistics.js';

/** Frames rendered before timing: shader compilation and first uploads happen there. */
const WARM_UP_FRAMES = 3;

export async function runFrameCost(model: string, qualities: Quality[], frames: number): Promise<void> {
  process.env.DISPLAY = await ensureDisplay();
  console.log(`Render cost per frame (no encoding): ${model}`);
  console.log(`  GLX vendor library: ${process.env.__GLX_VENDOR_LIBRARY_NAME ?? '(default: Mesa, llvmpipe on a machine without a GPU driver)'}`);
  console.log('quality   size        open ms  median ms/frame  p90 ms/frame');
  for (const quality of qualities) {
    const plan = planRender(parseRenderSettings({ quality, length: 3 }), model, '/nonexistent');
    const opened = performance.now();
    const studio = await Studio.open(plan);
    const openMs = performance.now() - opened;
    try {
      const buffer = new Uint8Array(plan.width * plan.height * 4);
      for (let index = 0; index < WARM_UP_FRAMES; index++) studio.frame(index, buffer);
      const times: number[] = [];
      for (let sample = 0; sample < frames; sample++) {
        const started = performance.now();
        studio.frame((sample * 3) % plan.frameCount, buffer); // readPixels waits for the GPU: the time is the whole frame
        times.push(performance.now() - started);
      }
      const size = `${plan.width}×${plan.height}`;
      console.log(
        `${quality.padEnd(9)} ${size.padEnd(11)} ${openMs.toFixed(0).padStart(7)}  ${median(times).toFixed(1).padStart(15)}  ${percentile(times, 0.9).toFixed(1).padStart(12)}`,
      );
    } finally {
      studio.dispose();
    }
  }
}
