/**
 * One video render inside a worker process: every frame of the move is rendered exactly
 * once, then composited once per variant (its background and foreground) and fanned out —
 * to that variant's encoder (video, web and thumb in one ffmpeg process, which encodes
 * while the next frame renders) and, for the first frame, to its posters.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RenderPlan, VariantPlan } from '../src/render/render-plan.js';
import type { PosterFiles, RenderResult, RenderStage, VideoOutputs } from '../src/render/worker-protocol.js';
import { writePosters } from './sinks/poster.js';
import { VideoEncoder } from './sinks/video-encoder.js';
import { Studio } from './studio.js';

export type ProgressListener = (stage: RenderStage, framesDone: number, framesTotal: number) => void;

/** One variant's sinks: its encoder, its frame buffer and (after frame 0) its posters. */
interface VariantOutput {
  directory: string;
  encoder: VideoEncoder;
  buffer: Uint8Array;
  posters?: Promise<PosterFiles>;
}

export async function renderVideo(plan: RenderPlan, onProgress: ProgressListener, onPoster?: (files: PosterFiles, variant: number) => void): Promise<RenderResult> {
  const started = performance.now();
  const studio = await Studio.open(plan, (stage) => onProgress(stage, 0, plan.frameCount));
  const prepared = performance.now();
  const outputs: VariantOutput[] = [];
  try {
    for (const variant of plan.variants) outputs.push(startVariant(plan, variant));
    onProgress('rendering', 0, plan.frameCount);
    for (let index = 0; index < plan.frameCount; index++) {
      studio.renderScene(index);
      for (const [variantIndex, output] of outputs.entries()) {
        // One buffer per variant for every frame: writeFrame resolves once ffmpeg has the
        // bytes, and the posters copy frame 0 before it is overwritten.
        const pixels = studio.composite(variantIndex, output.buffer);
        if (index === 0) {
          output.posters = writePosters(pixels, plan.width, plan.height, output.directory);
          output.posters.then((files) => onPoster?.(files, variantIndex)).catch(() => {}); // awaited below; never an unhandled rejection if rendering fails first
        }
        await output.encoder.writeFrame(pixels);
      }
      onProgress('rendering', index + 1, plan.frameCount);
    }
  } catch (error) {
    for (const output of outputs) output.encoder.abort();
    throw error;
  } finally {
    studio.dispose();
  }
  const rendered = performance.now();
  onProgress('encoding', plan.frameCount, plan.frameCount);
  const variants = await Promise.all(
    outputs.map(async (output) => {
      const [{ files }, posterFiles] = await Promise.all([output.encoder.finish(), output.posters!]);
      return { files: { ...files, ...posterFiles } as VideoOutputs };
    }),
  );
  const finished = performance.now();
  return {
    output: 'video',
    files: variants[0].files,
    variants,
    width: plan.width,
    height: plan.height,
    frameCount: plan.frameCount,
    fps: plan.fps,
    durationSeconds: plan.frameCount / plan.fps,
    timings: {
      setupMs: Math.round(prepared - started),
      renderMs: Math.round(rendered - prepared),
      encodeTailMs: Math.round(finished - rendered),
      totalMs: Math.round(finished - started),
      msPerFrame: Math.round(((rendered - prepared) / plan.frameCount) * 10) / 10,
    },
  };
}

function startVariant(plan: RenderPlan, variant: VariantPlan): VariantOutput {
  const directory = path.join(plan.workDirectory, variant.directory);
  mkdirSync(directory, { recursive: true });
  return {
    directory,
    encoder: VideoEncoder.start({ width: plan.width, height: plan.height, fps: plan.fps, directory }),
    buffer: new Uint8Array(plan.width * plan.height * 4),
  };
}
