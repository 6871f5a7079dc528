/**
 * One video render inside a worker process: every frame of the move is rendered exactly
 * once and fanned out — to the encoder (video, web and thumb in one ffmpeg process,
 * which encodes while the next frame renders) and, for the first frame, to the posters.
 */
import type { RenderPlan } from '../src/render/render-plan.js';
import type { RenderResult, RenderStage, PosterFiles } from '../src/render/worker-protocol.js';
import { writePosters } from './sinks/poster.js';
import { VideoEncoder } from './sinks/video-encoder.js';
import { Studio } from './studio.js';

export type ProgressListener = (stage: RenderStage, framesDone: number, framesTotal: number) => void;

export async function renderVideo(plan: RenderPlan, onProgress: ProgressListener, onPoster?: (files: PosterFiles) => void): Promise<RenderResult> {
  const started = performance.now();
  const studio = await Studio.open(plan, (stage) => onProgress(stage, 0, plan.frameCount));
  const prepared = performance.now();
  const encoder = VideoEncoder.start({ width: plan.width, height: plan.height, fps: plan.fps, directory: plan.workDirectory });
  let posters: ReturnType<typeof writePosters> | undefined;
  try {
    onProgress('rendering', 0, plan.frameCount);
    const frameBuffer = new Uint8Array(plan.width * plan.height * 4);
    for (let index = 0; index < plan.frameCount; index++) {
      // One buffer for every frame: writeFrame resolves once ffmpeg has the bytes, and the
      // posters copy frame 0 before it is overwritten.
      const pixels = studio.frame(index, frameBuffer);
      if (index === 0) {
        posters = writePosters(pixels, plan.width, plan.height, plan.workDirectory);
        posters.then((files) => onPoster?.(files)).catch(() => {}); // awaited below; never an unhandled rejection if rendering fails first
      }
      await encoder.writeFrame(pixels);
      onProgress('rendering', index + 1, plan.frameCount);
    }
  } catch (error) {
    encoder.abort();
    throw error;
  } finally {
    studio.dispose();
  }
  const rendered = performance.now();
  onProgress('encoding', plan.frameCount, plan.frameCount);
  const [{ files }, posterFiles] = await Promise.all([encoder.finish(), posters!]);
  const finished = performance.now();
  return {
    output: 'video',
    files: { ...files, ...posterFiles },
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
