/**
 * The plumbing every ffmpeg sink shares: one ffmpeg process reading raw RGBA frames from
 * its stdin, with backpressure (a frame resolves once ffmpeg has taken every byte), a
 * bounded tail of stderr for error messages, and an abort that kills the process at once.
 * The sinks (video-encoder.ts: H.264; prores-encoder.ts: ProRes 4444) only decide the
 * command line and the files it writes.
 */
import type { Writable } from 'node:stream';
import { execa, type Result } from 'execa';
import { RenderbayError } from '../../src/errors.js';
import { ffmpegPath } from './ffmpeg-path.js';

/** How much of ffmpeg's stderr is kept for error messages. */
const STDERR_TAIL_LINES = 12;

export interface FrameSinkSpec<Files> {
  /** Names the sink in error messages ("video-encoder: ffmpeg exited with code 1 …"). */
  name: string;
  width: number;
  height: number;
  /** The ffmpeg arguments; the input must be raw RGBA width × height from pipe:0. */
  args: string[];
  /** The files the process writes, returned by `finish`. */
  files: Files;
}

export class FfmpegFrameSink<Files> {
  readonly files: Files;
  private readonly name: string;
  private readonly width: number;
  private readonly height: number;
  private readonly frameBytes: number;
  private readonly subprocess: ReturnType<typeof spawnFfmpeg>;
  private readonly stdin: Writable;
  private readonly stderrTail = new TailLines(STDERR_TAIL_LINES);
  /** Resolves when ffmpeg has exited: null on success, the error to report otherwise. Never rejects. */
  private readonly exited: Promise<RenderbayError | null>;
  private state: 'open' | 'finishing' | 'aborted' = 'open';
  private framesAccepted = 0;

  protected constructor(spec: FrameSinkSpec<Files>) {
    this.name = spec.name;
    this.files = spec.files;
    this.width = spec.width;
    this.height = spec.height;
    this.frameBytes = spec.width * spec.height * 4;
    this.subprocess = spawnFfmpeg(spec.args);
    const stdin = this.subprocess.stdin;
    if (!stdin) throw new RenderbayError('encode_failed', `${this.name}: ffmpeg has no stdin pipe`, 500);
    this.stdin = stdin;
    // EPIPE when ffmpeg dies mid-stream is reported through writeFrame/finish; without a
    // listener here a late write error could surface as an uncaught 'error' event.
    stdin.on('error', () => {});
    this.subprocess.stderr?.setEncoding('utf8');
    this.subprocess.stderr?.on('data', (text: string) => this.stderrTail.push(text));
    this.exited = this.subprocess.then(
      (result) => (result.failed ? this.failure(result) : null),
      (error: unknown) => this.failure(error),
    );
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
    if (this.state === 'finishing') throw new RenderbayError('encode_failed', `${this.name}: writeFrame after finish`, 500);
    if (this.state === 'aborted') throw await this.exitedEarlyError();
    if (rgbaBottomUp.byteLength !== this.frameBytes) {
      throw new RenderbayError(
        'invalid_frame',
        `${this.name}: a ${this.width}×${this.height} frame has ${this.frameBytes} bytes, got ${rgbaBottomUp.byteLength}`,
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

  /** Closes the frame stream and waits for ffmpeg to write and finalise its files. */
  async finish(): Promise<{ files: Files; frames: number }> {
    if (this.state === 'open') {
      this.state = 'finishing';
      if (this.framesAccepted === 0) {
        this.abort();
        throw new RenderbayError('encode_failed', `${this.name}: no frames were written`, 500);
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
      new RenderbayError('encode_failed', `${this.name}: ffmpeg exited after ${this.framesAccepted} frames without reading the rest`, 500)
    );
  }

  private failure(outcome: unknown): RenderbayError {
    if (this.state === 'aborted') {
      return new RenderbayError('encode_failed', `${this.name}: encoding was aborted after ${this.framesAccepted} frames`, 500);
    }
    const result = outcome as Partial<Result>;
    const how =
      typeof result.exitCode === 'number'
        ? `exited with code ${result.exitCode}`
        : result.signal
          ? `was killed by ${result.signal}`
          : `could not run (${result.originalMessage ?? String(outcome)})`;
    const stderr = this.stderrTail.text();
    return new RenderbayError('encode_failed', `${this.name}: ffmpeg ${how}${stderr ? `:\n${stderr}` : ''}`, 500);
  }
}

/** The ffmpeg input arguments for the renderer's frames: raw RGBA, `width`×`height`, from stdin. */
export function rawRgbaInput(width: number, height: number, fps: number): string[] {
  return ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-video_size', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0'];
}

/** BT.709 colour tags for every output: players that read them decode colours as they were encoded. */
export const BT709_TAGS = ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'] as const;

/**
 * Checks the frame stream an encoder is started for: even sides (4:2:0 chroma, and ProRes
 * likes them too) and a positive frame rate.
 */
export function assertFrameFormat(name: string, width: number, height: number, fps: number): void {
  for (const [side, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value <= 0 || value % 2 !== 0) {
      throw new RenderbayError('invalid_settings', `${name}: ${side} must be a positive even number of pixels, got ${value}`);
    }
  }
  if (!Number.isFinite(fps) || fps <= 0) throw new RenderbayError('invalid_settings', `${name}: fps must be a positive number, got ${fps}`);
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
