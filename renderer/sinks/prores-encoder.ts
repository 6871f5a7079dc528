/**
 * The pro tier's master: `video.mov`, ProRes 4444 with alpha (prores_ks, 10-bit
 * yuva444p10le, BT.709), for editors that key or composite the model themselves.
 *
 * Frames are the transparent composite layer: RGBA with straight (not premultiplied)
 * alpha, rows bottom-up as readPixels returns them; ffmpeg flips them. ProRes keeps the
 * alpha plane exactly (16-bit alpha here); the colour goes through BT.709 4:4:4, so
 * nothing is subsampled. The H.264 web and thumb of the same variant come from a
 * VideoEncoder fed the background composite.
 *
 * Usage is that of VideoEncoder: `ProresEncoder.start({ width, height, directory })`,
 * then writeFrame / finish, abort on failure.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { LIMITS } from '../../src/limits.js';
import { assertFrameFormat, BT709_TAGS, FfmpegFrameSink, rawRgbaInput } from './ffmpeg-frame-sink.js';

const NAME = 'prores-encoder';

export interface ProresEncoderOptions {
  width: number;
  height: number;
  /** Defaults to LIMITS.fps. */
  fps?: number;
  /** Folder that receives video.mov; created if missing. */
  directory: string;
  /** prores_ks slice threads. It is intra-only, so threads add no frames held in memory. */
  threads?: number;
}

export const PRORES_FILE = 'video.mov';

export type ProresFiles = { video: string };

export class ProresEncoder extends FfmpegFrameSink<ProresFiles> {
  static start(options: ProresEncoderOptions): ProresEncoder {
    const fps = options.fps ?? LIMITS.fps;
    assertFrameFormat(NAME, options.width, options.height, fps);
    mkdirSync(options.directory, { recursive: true });
    const files = { video: path.join(options.directory, PRORES_FILE) };
    return new ProresEncoder({ name: NAME, width: options.width, height: options.height, args: proresArgs({ ...options, fps }, files.video), files });
  }
}

export function proresArgs(options: ProresEncoderOptions & { fps: number }, file: string): string[] {
  const { width, height, fps } = options;
  return [
    '-hide_banner', '-nostats', '-loglevel', 'warning', '-y',
    ...rawRgbaInput(width, height, fps),
    // Straight alpha passes through swscale untouched; only the colour is converted, with
    // the BT.709 matrix the tags below promise (swscale's default is BT.601).
    '-vf', 'vflip,scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd,format=yuva444p10le',
    '-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le', '-alpha_bits', '16',
    // "apl0" is what Apple's encoder writes; some players and NLEs look for it.
    '-vendor', 'apl0',
    '-threads', String(options.threads ?? 2),
    ...BT709_TAGS,
    // ffmpeg 4.1's mov muxer writes the colour tags (a 'colr' atom) only when asked.
    '-movflags', '+write_colr',
    file,
  ];
}
