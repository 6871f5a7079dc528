/**
 * The video sink: one ffmpeg process turns the renderer's frame stream into every video of
 * a render in a single pass — `video.mp4` (full quality), `web.mp4` (same size, smaller,
 * for embedding) and `thumb.mp4` (quarter of the pixels). Frames are decoded and converted
 * to YUV once and encoded three times; they never touch the disk as images.
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
import type { Writable } from 'node:stream';
import { execa, type Result } from 'execa';
import { RenderbayError } from '../../src/errors.js';
import { LIMITS } from '../../src/limits.js';
import { ffmpegPath } from './ffmpeg-path.js';

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
};

/** File names of the outputs inside `directory`. */
export const OUTPUT_FILES = { video: 'video.mp4', web: 'web.mp4', thumb: 'thumb.mp4' } as const;

export type EncodedFiles = { [output in keyof typeof OUTPUT_FILES]: string };

type ResolvedOptions = Required<VideoEncoderOptions>;

/** How much of ffmpeg's stderr is kept for error messages. */
const STDERR_TAIL_LINES = 12;

export class VideoEncoder {
  private readonly frameBytes: number;
  private readonly stdin: Writable;
  private readonly stderrTail = new TailLines(STDERR_TAIL_LINES);
  /** Resolves when ffmpeg has exited: null on success, the error to report otherwise. Never rejects. */
  private readonly exited: Promise<RenderbayError | null>;
  private state: 'open' | 'finishing' | 'aborted' = 'open';
  private framesAccepted = 0;

  private constructor(
    private readonly options: ResolvedOptions,
    readonly files: EncodedFiles,
    private readonly subprocess: ReturnType<typeof spawnFfmpeg>,
  ) {
    this.frameBytes = options.width * options.height * 4;
    const stdin = subprocess.stdin;
    if (!stdin) throw new RenderbayError('encode_failed', `${NAME}: ffmpeg has no stdin pipe`, 500);
    this.stdin = stdin;
    // EPIPE when ffmpeg dies mid-stream is reported through writeFrame/finish; without a
    // listener here a late write error could surface as an uncaught 'error' event.
    stdin.on('error', () => {});
    subprocess.stderr?.setEncoding('utf8');
    subprocess.stderr?.on('data', (text: string) => this.stderrTail.push(text));
    this.exited = subprocess.then(
      (result) => (result.failed ? this.failure(result) : null),
      (error: unknown) => this.failure(error),
    );
  }

  /** Validates the options and starts ffmpeg; frames can be written at once. */
  static start(options: VideoEncoderOptions): VideoEncoder {
    const resolved = resolveOptions(options);
    mkdirSync(resolved.directory, { recursive: true });
    const files: EncodedFiles = {
      video: path.join(resolved.directory, OUTPUT_FILES.video),
      web: path.join(resolved.directory, OUTPUT_FILES.web),
      thumb: path.join(resolved.directory, OUTPUT_FILES.thumb),
    };
    return new VideoEncoder(resolved, files, spawnFfmpeg(encoderArgs(resolved, files)));
  }

  /** The ffmpeg process id (undefined if it could not be started). */
  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  /** Frames ffmpeg has taken so far. */
  get frameCount(): number {
    return this.framesAccepted;
  }

  /**
   * Sends one frame (RGBA, rows bottom-up, width × height × 4 bytes). Resolves once ffmpeg
   * has read every byte of it, so the caller may reuse the buffer for the next readPixels
   * and never runs more than one frame ahead of the encoder (backpressure). Rejects with
   * `encode_failed` if ffmpeg fails or exits before taking the frame.
   */
  async writeFrame(rgbaBottomUp: Uint8Array): Promise<void> {
    if (this.state === 'finishing') throw new RenderbayError('encode_failed', `${NAME}: writeFrame after finish`, 500);
    if (this.state === 'aborted') throw await this.exitedEarlyError();
    if (rgbaBottomUp.byteLength !== this.frameBytes) {
      const { width, height } = this.options;
      throw new RenderbayError(
        'invalid_frame',
        `${NAME}: a ${width}×${height} frame has ${this.frameBytes} bytes, got ${rgbaBottomUp.byteLength}`,
        500,
      );
    }
    // The write callback fires when the bytes are in the pipe — for a frame larger than the
    // stream's highWaterMark that is exactly when 'drain' fires — or with EPIPE when ffmpeg
    // has gone. Racing it with the exit covers an ffmpeg that dies without closing the pipe.
    const taken = new Promise<boolean>((resolve) => this.stdin.write(rgbaBottomUp, (error) => resolve(!error)));
    const outcome = await Promise.race([taken, this.exited.then(() => false)]);
    if (outcome) {
      this.framesAccepted++;
      return;
    }
    throw await this.exitedEarlyError();
  }

  /** Closes the frame stream and waits for ffmpeg to write and finalise the three files. */
  async finish(): Promise<{ files: EncodedFiles; frames: number }> {
    if (this.state === 'open') {
      this.state = 'finishing';
      if (this.framesAccepted === 0) {
        this.abort();
        throw new RenderbayError('encode_failed', `${NAME}: no frames were written`, 500);
      }
      this.stdin.end();
    }
    const error = await this.exited;
    if (error) throw error;
    return { files: this.files, frames: this.framesAccepted };
  }

  /** Stops ffmpeg at once (the render failed); pending and later calls reject. Never throws. */
  abort(): void {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    try {
      this.subprocess.kill('SIGKILL');
    } catch {
      // Already gone: nothing to stop.
    }
  }

  /** The error that explains why ffmpeg stopped taking frames (waits for it to exit). */
  private async exitedEarlyError(): Promise<RenderbayError> {
    return (
      (await this.exited) ??
      new RenderbayError('encode_failed', `${NAME}: ffmpeg exited after ${this.framesAccepted} frames without reading the rest`, 500)
    );
  }

  private failure(outcome: unknown): RenderbayError {
    if (this.state === 'aborted') {
      return new RenderbayError('encode_failed', `${NAME}: encoding was aborted after ${this.framesAccepted} frames`, 500);
    }
    const result = outcome as Partial<Result>;
    const how =
      typeof result.exitCode === 'number'
        ? `exited with code ${result.exitCode}`
        : result.signal
          ? `was killed by ${result.signal}`
          : `could not run (${result.originalMessage ?? String(outcome)})`;
    const stderr = this.stderrTail.text();
    return new RenderbayError('encode_failed', `${NAME}: ffmpeg ${how}${stderr ? `:\n${stderr}` : ''}`, 500);
  }
}

/**
 * The ffmpeg command line: raw RGBA from stdin, one filter graph (flip, convert to BT.709
 * YUV 4:2:0 once, split three ways, halve the thumb), three H.264 outputs.
 */
export function encoderArgs(options: ResolvedOptions, files: EncodedFiles): string[] {
  const { width, height, fps, preset } = options;
  const thumb = thumbSize(width, height);
  const webMaxRate = Math.round(width * height * fps * options.webMaxBitsPerPixel);
  // Converting before the split does the RGB→YUV work once; the thumb is then scaled in YUV.
  // Without out_color_matrix swscale uses BT.601 and every colour shifts in players that
  // (correctly) read the BT.709 tags below.
  const graph =
    '[0:v]vflip,scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd,format=yuv420p,' +
    'split=3[video][web][thumbsource];' +
    `[thumbsource]scale=${thumb.width}:${thumb.height}:flags=bicubic+accurate_rnd[thumb]`;
  const h264 = (crf: number) => [
    '-c:v', 'libx264', '-preset', preset, '-crf', String(crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    // x264 defaults to 1.5 frame threads per core, each holding its own frames: two
    // threads per encoder keep three 1080p encoders' memory in check (the renderer, not
    // the encoder, sets the pace).
    '-threads', String(options.threadsPerEncoder),
    '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv',
    // The index goes first so browsers can start playing before the whole file arrives.
    '-movflags', '+faststart',
  ];
  return [
    '-hide_banner', '-nostats', '-loglevel', 'warning', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgba', '-video_size', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
    '-filter_complex', graph,
    '-map', '[video]', ...h264(options.videoCrf), files.video,
    // A bitrate ceiling keeps busy frames from spiking the stream; keyframes every two
    // seconds keep seeking in an embedded player quick.
    '-map', '[web]', ...h264(options.webCrf),
    '-maxrate', String(webMaxRate), '-bufsize', String(webMaxRate * 2), '-g', String(Math.round(fps * 2)), files.web,
    '-map', '[thumb]', ...h264(options.thumbCrf), files.thumb,
  ];
}

/** Half the width and half the height (a quarter of the pixels), rounded to even numbers. */
export function thumbSize(width: number, height: number): { width: number; height: number } {
  const halfEven = (side: number) => Math.max(2, Math.round(side / 4) * 2);
  return { width: halfEven(width), height: halfEven(height) };
}

function resolveOptions(options: VideoEncoderOptions): ResolvedOptions {
  const resolved: ResolvedOptions = { ...DEFAULTS, ...withoutUndefined(options) } as ResolvedOptions;
  for (const side of ['width', 'height'] as const) {
    const value = resolved[side];
    if (!Number.isInteger(value) || value <= 0 || value % 2 !== 0) {
      throw new RenderbayError('invalid_settings', `${NAME}: ${side} must be a positive even number of pixels, got ${value}`);
    }
  }
  if (!Number.isFinite(resolved.fps) || resolved.fps <= 0) {
    throw new RenderbayError('invalid_settings', `${NAME}: fps must be a positive number, got ${resolved.fps}`);
  }
  if (!resolved.directory) throw new RenderbayError('invalid_settings', `${NAME}: an output directory is required`);
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function spawnFfmpeg(args: string[]) {
  return execa(ffmpegPath, args, {
    stdin: 'pipe',
    stdout: 'ignore',
    stderr: 'pipe',
    // stderr is read here into a bounded tail; execa's buffering would grow without bound
    // over a long encode and kill ffmpeg at maxBuffer.
    buffer: false,
    reject: false,
    windowsHide: true,
  });
}

/** Keeps the last few lines of a text stream. */
class TailLines {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly limit: number) {}

  push(text: string): void {
    const pieces = (this.partial + text).split(/\r?\n|\r/);
    this.partial = pieces.pop() ?? '';
    this.lines.push(...pieces.filter((line) => line.trim() !== ''));
    if (this.lines.length > this.limit) this.lines = this.lines.slice(-this.limit);
  }

  text(): string {
    return [...this.lines, this.partial].filter((line) => line.trim() !== '').slice(-this.limit).join('\n');
  }
}
