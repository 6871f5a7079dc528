/**
 * The video sink: one ffmpeg process turns the renderer's frame stream into every video of
 * a render in a single pass — `video.mp4` (full quality), `web.mp4` (same size, smaller,
 * for embedding) and `thumb.mp4` (quarter of the pixels). Frames are decoded and converted
 * to YUV once and encoded three times; they never touch the disk as images.
 *
 * The pro tier writes its full-quality video as ProRes (prores-encoder.ts) and uses this
 * sink for web.mp4 and thumb.mp4 only (`VideoEncoder.startWebAndThumb`).
 *
 * Frames arrive exactly as WebGL `readPixels` returns them (RGBA, rows bottom-up, opaque);
 * ffmpeg does the vertical flip, which is free there (a negative line stride) and costs a
 * full copy in JavaScript.
 *
 * Usage:
 * ```ts
 * const encoder = VideoEncoder.start({ width: 960, height: 540, directory });
 * try {
 *   for (const pixels of frames) await encoder.writeFrame(pixels);
 *   const { files } = await encoder.finish();
 * } catch (error) {
 *   encoder.abort();
 *   throw error;
 * }
 * ```
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { RenderbayError } from '../../src/errors.js';
import { LIMITS } from '../../src/limits.js';
import { assertFrameFormat, BT709_TAGS, FfmpegFrameSink, rawRgbaInput } from './ffmpeg-frame-sink.js';

const NAME = 'video-encoder';

/** x264 presets worth choosing between on a 2-core machine that also renders. */
export type X264Preset = 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';

export interface VideoEncoderOptions {
  /** Frame width in pixels: a positive even number, as H.264 4:2:0 requires. */
  width: number;
  /** Frame height in pixels: a positive even number, as H.264 4:2:0 requires. */
  height: number;
  /** Frames per second of every output; defaults to LIMITS.fps. */
  fps?: number;
  /** Folder that receives video.mp4, web.mp4 and thumb.mp4; created if missing. */
  directory: string;
  /** x264 speed/size trade-off of all three encodes (see bench/encode-bench.ts). */
  preset?: X264Preset;
  /** Constant rate factor of video.mp4: 18 is visually lossless for rendered content. */
  videoCrf?: number;
  /** Constant rate factor of web.mp4: higher means smaller files and softer detail. */
  webCrf?: number;
  /** Peak bitrate of web.mp4 in bits per pixel per frame; 0.08 is ~5 Mbit/s at 1080p30. */
  webMaxBitsPerPixel?: number;
  /** Constant rate factor of thumb.mp4. */
  thumbCrf?: number;
  /** x264 threads per output; fewer threads hold fewer frames in memory. */
  threadsPerEncoder?: number;
  /**
   * x264 rate-control lookahead in frames (0: the preset's own, 10 for veryfast). Every
   * lookahead frame is held in memory, per output: at 4k one frame is 12 MB of YUV plus
   * x264's half-resolution planes.
   */
  lookaheadFrames?: number;
}

export const DEFAULTS: Required<Omit<VideoEncoderOptions, 'width' | 'height' | 'directory'>> = {
  fps: LIMITS.fps,
  // veryfast vs faster, measured with bench/encode-bench.ts: faster is ~25 % slower for
  // ~5 % smaller files, and the encoder shares the two cores with the renderer.
  preset: 'veryfast',
  videoCrf: 18,
  webCrf: 27,
  webMaxBitsPerPixel: 0.08,
  thumbCrf: 23,
  threadsPerEncoder: 2,
  lookaheadFrames: 0,
};

/** File names of the outputs inside `directory`. */
export const OUTPUT_FILES = { video: 'video.mp4', web: 'web.mp4', thumb: 'thumb.mp4' } as const;

export type H264Output = keyof typeof OUTPUT_FILES;
export type EncodedFiles = { [output in H264Output]: string };

type ResolvedOptions = Required<VideoEncoderOptions>;

export class VideoEncoder<Files extends Partial<EncodedFiles> = EncodedFiles> extends FfmpegFrameSink<Files> {
  /** Validates the options and starts ffmpeg writing video.mp4, web.mp4 and thumb.mp4; frames can be written at once. */
  static start(options: VideoEncoderOptions): VideoEncoder<EncodedFiles> {
    return VideoEncoder.launch(options, ['video', 'web', 'thumb']);
  }

  /** As `start`, without video.mp4: for the pro tier, whose full-quality video is ProRes. */
  static startWebAndThumb(options: VideoEncoderOptions): VideoEncoder<Pick<EncodedFiles, 'web' | 'thumb'>> {
    return VideoEncoder.launch(options, ['web', 'thumb']);
  }

  private static launch<Output extends H264Output>(options: VideoEncoderOptions, outputs: Output[]): VideoEncoder<Pick<EncodedFiles, Output>> {
    const resolved = resolveOptions(options);
    mkdirSync(resolved.directory, { recursive: true });
    const files = Object.fromEntries(outputs.map((output) => [output, path.join(resolved.directory, OUTPUT_FILES[output])])) as Pick<EncodedFiles, Output>;
    return new VideoEncoder({ name: NAME, width: resolved.width, height: resolved.height, args: encoderArgs(resolved, files), files });
  }
}

/**
 * The ffmpeg command line: raw RGBA from stdin, one filter graph (flip, convert to BT.709
 * YUV 4:2:0 once, split once per output, halve the thumb), one H.264 output per file.
 */
export function encoderArgs(options: ResolvedOptions, files: Partial<EncodedFiles>): string[] {
  const { width, height, fps, preset } = options;
  const outputs = (Object.keys(OUTPUT_FILES) as H264Output[]).filter((output) => files[output] !== undefined);
  const thumb = thumbSize(width, height);
  const webMaxRate = Math.round(width * height * fps * options.webMaxBitsPerPixel);
  // Converting before the split does the RGB→YUV work once; the thumb is then scaled in YUV.
  // Without out_color_matrix swscale uses BT.601 and every colour shifts in players that
  // (correctly) read the BT.709 tags below.
  const labels = outputs.map((output) => (output === 'thumb' ? '[thumbsource]' : `[${output}]`)).join('');
  let graph =
    '[0:v]vflip,scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd,format=yuv420p,' +
    `split=${outputs.length}${labels}`;
  if (files.thumb) graph += `;[thumbsource]scale=${thumb.width}:${thumb.height}:flags=bicubic+accurate_rnd[thumb]`;
  const h264 = (crf: number) => [
    '-c:v', 'libx264', '-preset', preset, '-crf', String(crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    // x264 defaults to 1.5 frame threads per core, each holding its own frames: two
    // threads per encoder keep three 1080p encoders' memory in check (the renderer, not
    // the encoder, sets the pace).
    '-threads', String(options.threadsPerEncoder),
    ...(options.lookaheadFrames > 0 ? ['-rc-lookahead', String(options.lookaheadFrames)] : []),
    ...BT709_TAGS,
    // The index goes first so browsers can start playing before the whole file arrives.
    '-movflags', '+faststart',
  ];
  const perOutput: Record<H264Output, (file: string) => string[]> = {
    video: (file) => ['-map', '[video]', ...h264(options.videoCrf), file],
    // A bitrate ceiling keeps busy frames from spiking the stream; keyframes every two
    // seconds keep seeking in an embedded player quick.
    web: (file) => [
      '-map', '[web]', ...h264(options.webCrf),
      '-maxrate', String(webMaxRate), '-bufsize', String(webMaxRate * 2), '-g', String(Math.round(fps * 2)), file,
    ],
    thumb: (file) => ['-map', '[thumb]', ...h264(options.thumbCrf), file],
  };
  return [
    '-hide_banner', '-nostats', '-loglevel', 'warning', '-y',
    ...rawRgbaInput(width, height, fps),
    '-filter_complex', graph,
    ...outputs.flatMap((output) => perOutput[output](files[output]!)),
  ];
}

/** Half the width and half the height (a quarter of the pixels), rounded to even numbers. */
export function thumbSize(width: number, height: number): { width: number; height: number } {
  const halfEven = (side: number) => Math.max(2, Math.round(side / 4) * 2);
  return { width: halfEven(width), height: halfEven(height) };
}

function resolveOptions(options: VideoEncoderOptions): ResolvedOptions {
  const resolved: ResolvedOptions = { ...DEFAULTS, ...withoutUndefined(options) } as ResolvedOptions;
  assertFrameFormat(NAME, resolved.width, resolved.height, resolved.fps);
  if (!resolved.directory) throw new RenderbayError('invalid_settings', `${NAME}: an output directory is required`);
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

