/**
 * One video render inside a worker process: every frame of the move is rendered exactly
 * once, then composited once per variant (its background and foreground) and fanned out —
 * to that variant's encoder (video, web and thumb in one ffmpeg process, which encodes
 * while the next frame renders) and, for the first frame, to its posters.
 *
 * Pro (ProRes 4444) variants composite each frame twice: transparent (straight alpha, the
 * foreground on top) into video.mov through a second ffmpeg process, and on the background
 * into web.mp4, thumb.mp4 and the posters.
 */
import path from 'node:path';
import type { RenderPlan, VariantPlan } from '../src/render/render-plan.js';
import type { PosterFiles, RenderResult, RenderStage, VideoOutputs } from '../src/render/worker-protocol.js';
import { writePosters } from './sinks/poster.js';
import { ProresEncoder } from './sinks/prores-encoder.js';
import { VideoEncoder, type EncodedFiles } from './sinks/video-encoder.js';
import { Studio } from './studio.js';
import { renderTimings } from './render-timings.js';

export type ProgressListener = (stage: RenderStage, framesDone: number, framesTotal: number) => void;

/** One variant's sinks: its encoder(s), their frame buffers and (after frame 0) its posters. */
interface VariantOutput {
  directory: string;
  /** The H.264 outputs, fed the background composite: all three, or (pro) web and thumb. */
  encoder: VideoEncoder<Partial<EncodedFiles>>;
  buffer: Uint8Array;
  /** Pro only: the ProRes 4444 master, fed the transparent composite, and its own buffer. */
  master: { encoder: ProresEncoder; buffer: Uint8Array } | null;
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
      // Every composite has its own buffer, so all of a frame's composites are read back
      // first and then handed to their encoders at once: the pipes drain in parallel
      // (GL work blocks the event loop, so no pipe makes progress while it runs). Each
      // writeFrame resolves once ffmpeg has the bytes; the buffers are reused next frame,
      // and the posters copy frame 0 before it is overwritten.
      const writes: Promise<void>[] = [];
      for (const [variantIndex, output] of outputs.entries()) {
        const pixels = studio.composite(variantIndex, output.buffer);
        if (index === 0) {
          output.posters = writePosters(pixels, plan.width, plan.height, output.directory);
          output.posters.then((files) => onPoster?.(files, variantIndex)).catch(() => {}); // awaited below; never an unhandled rejection if rendering fails first
        }
        const master = output.master ? studio.compositeTransparent(variantIndex, output.master.buffer) : null;
        writes.push(output.encoder.writeFrame(pixels));
        if (master) writes.push(output.master!.encoder.writeFrame(master));
      }
      await Promise.all(writes);
      onProgress('rendering', index + 1, plan.frameCount);
    }
  } catch (error) {
    for (const output of outputs) {
      output.encoder.abort();
      output.master?.encoder.abort();
    }
    throw error;
  } finally {
    studio.dispose();
  }
  const rendered = performance.now();
  onProgress('encoding', plan.frameCount, plan.frameCount);
  const variants = await Promise.all(
    outputs.map(async (output) => {
      const [{ files }, master, posterFiles] = await Promise.all([output.encoder.finish(), output.master?.encoder.finish(), output.posters!]);
      return { files: { ...files, ...master?.files, ...posterFiles } as VideoOutputs };
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
    timings: renderTimings({ started, prepared, rendered, finished }, plan.frameCount),
  };
}

/**
 * x264 settings above 1080p, where every frame an encoder holds is 12 MB of YUV (plus its
 * lookahead planes) and its encoders share the 2.5 GB budget with a worker holding a
 * 7680×4320 scene target. Measured on 40 synthetic 4k frames (video + web + thumb in one
 * ffmpeg): defaults (2 threads, veryfast's lookahead of 10) peak at 1763 MB; 1 thread 1402;
 * lookahead 5 1458; both 1097 MB, with no loss of speed here (the renderer, at >1 s a 4k
 * frame, sets the pace, and 2 cores are shared anyway). With DamagedHelmet at 4k the
 * whole tree went from 2640 MB to under 2 GB.
 */
const H264_TUNING_FOR_UHD = { threadsPerEncoder: 1, lookaheadFrames: 5 } as const;

/**
 * x264 threads when several variants encode at once: three ffmpeg processes of three
 * outputs each already keep both cores busy, so more threads per output only add
 * frame-thread overhead and memory (each thread holds frames of its own).
 */
const H264_TUNING_FOR_VARIANTS = { threadsPerEncoder: 1 } as const;

function startVariant(plan: RenderPlan, variant: VariantPlan): VariantOutput {
  const directory = path.join(plan.workDirectory, variant.directory); // the encoders create it
  const frame = { width: plan.width, height: plan.height, fps: plan.fps, directory };
  const frameBytes = plan.width * plan.height * 4;
  if (plan.encoding === 'prores4444') {
    return {
      directory,
      encoder: VideoEncoder.startWebAndThumb({ ...frame, ...H264_TUNING_FOR_UHD }),
      buffer: new Uint8Array(frameBytes),
      master: { encoder: ProresEncoder.start(frame), buffer: new Uint8Array(frameBytes) },
    };
  }
  const tuning = plan.width * plan.height > 1920 * 1080 ? H264_TUNING_FOR_UHD : plan.variants.length > 1 ? H264_TUNING_FOR_VARIANTS : {};
  return {
    directory,
    encoder: VideoEncoder.start({ ...frame, ...tuning }),
    buffer: new Uint8Array(frameBytes),
    master: null,
  };
}
