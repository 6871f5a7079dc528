/**
 * One stills render inside a worker process: the model is loaded, lit and framed once,
 * then each still is an orbit pose of its own (azimuth, elevation) rendered from that one
 * scene, composited (on the background, or transparent) and encoded while the next still
 * renders. The first still is also the render's poster, sent as soon as it exists.
 */
import path from 'node:path';
import type { RenderPlan } from '../../src/render/render-plan.js';
import { STILL_OUTPUT_PREFIX, type PosterFiles, type StillsOutputs, type StillsRenderResult } from '../../src/render/worker-protocol.js';
import type { ProgressListener } from '../render-video.js';
import { writePosters } from '../sinks/poster.js';
import { STILL_EXTENSIONS, writeStillImage } from '../sinks/still-image.js';
import { Studio } from '../studio.js';
import { renderTimings } from '../render-timings.js';

/** Stills being encoded at once: one encodes while the next renders; more only holds memory (a 4k still is 59 MB raw). */
const ENCODES_IN_FLIGHT = 2;

export async function renderStills(plan: RenderPlan, onProgress: ProgressListener, onPoster?: (files: PosterFiles, variant: number) => void): Promise<StillsRenderResult> {
  const stills = plan.stills;
  if (!stills) throw new Error('renderStills needs a stills plan');
  const started = performance.now();
  const total = stills.views.length;
  const studio = await Studio.open(plan, (stage) => onProgress(stage, 0, total));
  const prepared = performance.now();
  const image = { width: plan.width, height: plan.height, format: stills.format, alpha: stills.transparent };
  const extension = STILL_EXTENSIONS[stills.format];
  const encodes: Promise<string>[] = [];
  let posters: Promise<PosterFiles> | null = null;
  const buffer = new Uint8Array(plan.width * plan.height * 4);
  try {
    onProgress('rendering', 0, total);
    for (const [index, view] of stills.views.entries()) {
      if (index >= ENCODES_IN_FLIGHT) await encodes[index - ENCODES_IN_FLIGHT];
      studio.renderView(view);
      const pixels = studio.composite(0, buffer);
      // Both sinks copy the pixels before they yield, so the buffer is free for the next still.
      encodes.push(writeStillImage(pixels, image, path.join(plan.workDirectory, 'stills', `${view.name}.${extension}`)));
      if (index === 0) {
        posters = writePosters(pixels, plan.width, plan.height, plan.workDirectory, { alpha: stills.transparent });
        posters.then((files) => onPoster?.(files, 0)).catch(() => {}); // awaited below
      }
      onProgress('rendering', index + 1, total);
    }
  } catch (error) {
    await Promise.allSettled(encodes);
    throw error;
  } finally {
    studio.dispose();
  }
  const rendered = performance.now();
  onProgress('encoding', total, total);
  const [files, posterFiles] = await Promise.all([Promise.all(encodes), posters!]);
  const outputs = { ...posterFiles } as StillsOutputs;
  stills.views.forEach((view, index) => (outputs[`${STILL_OUTPUT_PREFIX}${view.name}`] = files[index]));
  const finished = performance.now();
  return {
    output: 'stills',
    files: outputs,
    stills: stills.views.map((view) => ({ name: view.name, format: stills.format, width: plan.width, height: plan.height })),
    width: plan.width,
    height: plan.height,
    frameCount: total,
    fps: 0,
    durationSeconds: 0,
    timings: renderTimings({ started, prepared, rendered, finished }, total),
  };
}
