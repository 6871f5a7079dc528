/**
 * Media helpers for tests: look at what the renderer wrote the way a viewer would — ffprobe
 * for container and stream facts, ffmpeg to decode single frames, sharp for PNGs — plus a
 * synthetic frame source that behaves like the renderer (RGBA, rows bottom-up, opaque).
 */
import { open } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';
import { execa } from 'execa';
import sharp from 'sharp';
import { ffmpegPath } from '../../renderer/sinks/ffmpeg-path.js';
import { mulberry32 } from '../../src/seeded-random.js';

export const ffprobePath: string = ffprobeInstaller.path;

/** Decoded pixels, rows top-down, `channels` bytes per pixel. */
export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

export interface MediaProbe {
  codec: string;
  profile: string;
  width: number;
  height: number;
  pixFmt: string;
  /** Frames actually decoded (ffprobe -count_frames), not the container's claim. */
  frameCount: number;
  durationSeconds: number;
  colorSpace: string | undefined;
  colorPrimaries: string | undefined;
  colorTransfer: string | undefined;
  formatName: string;
  /** Overall bit rate in bits per second. */
  bitRate: number;
  sizeBytes: number;
  /** The MP4 index (moov) comes before the media data (mdat), so playback can start early. */
  hasFaststart: boolean;
}

/** Facts about the first video stream of a media file. */
export async function probe(file: string): Promise<MediaProbe> {
  const { stdout } = await execa(ffprobePath, [
    '-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries',
    'stream=codec_name,profile,width,height,pix_fmt,nb_read_frames,duration,color_space,color_primaries,color_transfer' +
      ':format=format_name,duration,bit_rate,size',
    '-of', 'json', file,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams?: Array<Record<string, string | number | undefined>>;
    format?: Record<string, string | undefined>;
  };
  const stream = parsed.streams?.[0];
  if (!stream) throw new Error(`probe: ${file} has no video stream`);
  const format = parsed.format ?? {};
  return {
    codec: String(stream.codec_name),
    profile: String(stream.profile),
    width: Number(stream.width),
    height: Number(stream.height),
    pixFmt: String(stream.pix_fmt),
    frameCount: Number(stream.nb_read_frames),
    durationSeconds: Number(stream.duration ?? format.duration),
    colorSpace: stream.color_space as string | undefined,
    colorPrimaries: stream.color_primaries as string | undefined,
    colorTransfer: stream.color_transfer as string | undefined,
    formatName: String(format.format_name),
    bitRate: Number(format.bit_rate),
    sizeBytes: (await stat(file)).size,
    hasFaststart: await hasFaststart(file),
  };
}

/** True when the file's top-level `moov` box precedes its `mdat` box. */
export async function hasFaststart(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const header = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= fileSize) {
      const { bytesRead } = await handle.read(header, 0, 16, offset);
      if (bytesRead < 8) break;
      const type = header.toString('latin1', 4, 8);
      if (type === 'moov') return true;
      if (type === 'mdat') return false;
      // size 1: a 64-bit size follows the type; size 0: the box runs to the end of the file.
      const size32 = header.readUInt32BE(0);
      const size = size32 === 1 ? Number(header.readBigUInt64BE(8)) : size32 === 0 ? fileSize - offset : size32;
      if (size < 8) break;
      offset += size;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * Decodes frame `index` of a video to RGB (or RGBA, for videos with alpha such as ProRes
 * 4444). The YUV→RGB step is told BT.709 explicitly, as a player reading the file's tags
 * would be, so correctly encoded colours round-trip.
 */
export async function readVideoFrame(file: string, index: number, format: 'rgb24' | 'rgba' = 'rgb24'): Promise<RawImage & { rgb: Buffer }> {
  const channels = format === 'rgba' ? 4 : 3;
  const { stdout: size } = await execa(ffprobePath, [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', file,
  ]);
  const [width, height] = size.trim().split('x').map(Number) as [number, number];
  const { stdout } = await execa(
    ffmpegPath,
    [
      '-hide_banner', '-loglevel', 'error', '-i', file,
      '-vf', `select=eq(n\\,${index}),scale=in_color_matrix=bt709:in_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,format=${format}`,
      '-vsync', 'passthrough', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', format, 'pipe:1',
    ],
    { encoding: 'buffer', stripFinalNewline: false, maxBuffer: 256 * 1024 * 1024 },
  );
  const pixels = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength);
  if (pixels.length !== width * height * channels) {
    throw new Error(`readVideoFrame: expected ${width * height * channels} bytes for frame ${index} of ${file}, got ${pixels.length}`);
  }
  return { width, height, channels, data: pixels, rgb: pixels };
}

/** Decodes a PNG to raw pixels (channels as stored: 3 for RGB, 4 for RGBA). */
export async function readPng(file: string): Promise<RawImage> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

/** The channel values of one pixel (x right, y down from the top-left corner). */
export function pixelAt(image: RawImage, x: number, y: number): number[] {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) {
    throw new RangeError(`pixelAt: (${x}, ${y}) is outside ${image.width}×${image.height}`);
  }
  const start = (y * image.width + x) * image.channels;
  return [...image.data.subarray(start, start + image.channels)];
}

/** The mean colour of a rectangle: robust against codec noise on single pixels. */
export function meanColour(image: RawImage, x: number, y: number, width: number, height: number): number[] {
  const sums = new Array<number>(image.channels).fill(0);
  for (let row = y; row < y + height; row++) {
    for (let column = x; column < x + width; column++) {
      pixelAt(image, column, row).forEach((value, channel) => (sums[channel]! += value));
    }
  }
  return sums.map((sum) => sum / (width * height));
}

/** The largest per-channel difference between two colours, over R, G and B (0–255). */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(...[0, 1, 2].map((channel) => Math.abs((a[channel] ?? 0) - (b[channel] ?? 0))));
}

/** `#rrggbb` → [r, g, b]. */
export function hexColour(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.replace('#', ''), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** Sideways speed of the synthetic frames' noise band; not a whole number on purpose. */
const NOISE_SCROLL_PIXELS_PER_FRAME = 2.37;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Frames like the renderer's, with features a test can find after encoding (positions
 * top-down, as a viewer sees them):
 * - a flat background (`colours.background`);
 * - an orange block in the top-left corner (`layout.marker`): it is in the LAST rows of
 *   each bottom-up buffer, so it only lands top-left if the flip happened exactly once;
 * - a white square moving left to right across the clip (`squareAt(index)`);
 * - a band of seeded noise along the bottom, scrolling sideways, so encoders have detail
 *   to spend bits on and quality settings make a measurable difference in size.
 */
export class SyntheticFrames {
  static readonly colours = {
    background: hexColour('#3366cc'),
    marker: hexColour('#ff8800'),
    square: hexColour('#ffffff'),
  };

  readonly layout: { marker: Rect; noiseBand: Rect; squareSide: number; squareY: number };
  private readonly base: Buffer;
  private readonly noise: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly frameCount: number,
    seed = 1,
  ) {
    const squareSide = Math.round(height / 5);
    this.layout = {
      marker: { x: 0, y: 0, width: Math.round(width / 8), height: Math.round(height / 6) },
      noiseBand: { x: 0, y: Math.round(height * 0.6), width, height: height - Math.round(height * 0.6) },
      squareSide,
      squareY: Math.round(height * 0.25),
    };
    this.base = this.paintBase();
    this.noise = this.paintNoise(seed);
  }

  /** Where the white square is in frame `index`. */
  squareAt(index: number): Rect {
    const { squareSide, squareY } = this.layout;
    const travel = this.width - squareSide;
    const x = this.frameCount > 1 ? Math.round((travel * index) / (this.frameCount - 1)) : 0;
    return { x, y: squareY, width: squareSide, height: squareSide };
  }

  /** Frame `index` as RGBA rows bottom-up; written into `target` when given (like readPixels). */
  frame(index: number, target: Buffer = Buffer.allocUnsafe(this.width * this.height * 4)): Buffer {
    const { width } = this;
    const rowBytes = width * 4;
    this.base.copy(target);
    // The band scrolls by a fraction of a pixel per frame, resampled linearly: like a
    // turning textured model, motion compensation predicts it only approximately.
    const band = this.layout.noiseBand;
    const scrolled = index * NOISE_SCROLL_PIXELS_PER_FRAME;
    const shift = (Math.floor(scrolled) % width) * 4;
    const weight = Math.round((scrolled % 1) * 256);
    const noiseRowBytes = (width * 2 + 1) * 4;
    for (let row = 0; row < band.height; row++) {
      const source = row * noiseRowBytes + shift;
      const destination = this.offset(0, band.y + row);
      for (let byte = 0; byte < rowBytes; byte++) {
        const left = this.noise[source + byte]!;
        const right = this.noise[source + byte + 4]!;
        target[destination + byte] = (left * (256 - weight) + right * weight + 128) >> 8;
      }
    }
    const square = this.squareAt(index);
    for (let row = square.y; row < square.y + square.height; row++) {
      const start = this.offset(square.x, row);
      target.fill(255, start, start + square.width * 4);
    }
    return target;
  }

  /** Byte offset of top-down pixel (x, y) in a bottom-up buffer. */
  private offset(x: number, y: number): number {
    return ((this.height - 1 - y) * this.width + x) * 4;
  }

  private paintBase(): Buffer {
    const buffer = Buffer.alloc(this.width * this.height * 4);
    const { background, marker } = SyntheticFrames.colours;
    for (let pixel = 0; pixel < this.width * this.height; pixel++) {
      buffer.set([...background, 255], pixel * 4);
    }
    const block = this.layout.marker;
    for (let y = block.y; y < block.y + block.height; y++) {
      for (let x = block.x; x < block.x + block.width; x++) buffer.set([...marker, 255], this.offset(x, y));
    }
    return buffer;
  }

  /** Noise rows twice the frame width (plus one pixel to interpolate with), so a scrolled window never wraps. */
  private paintNoise(seed: number): Buffer {
    const random = mulberry32(seed);
    const { background } = SyntheticFrames.colours;
    const pixels = (this.width * 2 + 1) * this.layout.noiseBand.height;
    const noise = Buffer.alloc(pixels * 4);
    for (let pixel = 0; pixel < pixels; pixel++) {
      const grain = Math.round((random() - 0.5) * 64);
      const clamp = (value: number) => Math.min(255, Math.max(0, value + grain));
      noise.set([clamp(background[0]), clamp(background[1]), clamp(background[2]), 255], pixel * 4);
    }
    return noise;
  }
}

