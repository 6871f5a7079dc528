/**
 * How fast the video sink encodes, per x264 preset, so the preset in
 * renderer/sinks/video-encoder.ts is chosen by numbers. Each run pushes 180 synthetic,
 * noisy frames through one VideoEncoder (three H.264 outputs) and reports frames per
 * second of wall time and the output sizes.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/encode-bench.js [preset ...]
 *
 * Frames are generated before timing starts (a ring of distinct frames, reused), so the
 * figures are the encoder's alone; in a real render the renderer competes for the cores.
 * ffmpeg's CPU time per frame is printed too: unlike wall time it hardly moves when other
 * work shares the machine, and it says how much rendering time the encode takes away.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VideoEncoder, type X264Preset } from '../renderer/sinks/video-encoder.js';
import { SyntheticFrames } from '../test/helpers/media.js';

const FRAMES = 180;
/** Distinct frames kept in memory; more than x264's reference window, so reuse is invisible. */
const RING = 24;
/** Each configuration runs this often; the best run counts (the least disturbed by noise). */
const REPEATS = 2;
const SIZES = [
  { width: 960, height: 540 },
  { width: 1920, height: 1080 },
];

const presets = (process.argv.slice(2) as X264Preset[]).length
  ? (process.argv.slice(2) as X264Preset[])
  : (['veryfast', 'faster'] as X264Preset[]);

/** CPU seconds used by this process's finished (waited-for) children; Linux only. */
function childCpuSeconds(): number | undefined {
  try {
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

async function encodeOnce(frames: Buffer[], width: number, height: number, preset: X264Preset, directory: string) {
  const cpuBefore = childCpuSeconds();
  const started = performance.now();
  const encoder = VideoEncoder.start({ width, height, preset, directory });
  for (let index = 0; index < FRAMES; index++) await encoder.writeFrame(frames[index % frames.length]!);
  const { files } = await encoder.finish();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = childCpuSeconds();
  const cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  const sizes = await Promise.all([files.video, files.web, files.thumb].map(async (file) => (await stat(file)).size));
  return { seconds, cpuSeconds, sizes };
}

const directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-encode-bench-'));
try {
  console.log(`${FRAMES} frames per run, 3 outputs (video, web, thumb), ${os.cpus().length} cores, best of ${REPEATS}`);
  for (const { width, height } of SIZES) {
    const clip = new SyntheticFrames(width, height, FRAMES);
    const generated = performance.now();
    const frames = Array.from({ length: RING }, (_, index) => clip.frame(index));
    const generateMs = (performance.now() - generated) / RING;
    console.log(`\n${width}×${height} (synthetic frame generation, untimed: ${generateMs.toFixed(1)} ms/frame)`);
    for (const preset of presets) {
      let best: Awaited<ReturnType<typeof encodeOnce>> | undefined;
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        const run = await encodeOnce(frames, width, height, preset, path.join(directory, `${width}-${preset}-${repeat}`));
        if (!best || run.seconds < best.seconds) best = run;
      }
      const [video, web, thumb] = best!.sizes.map((bytes) => `${(bytes / 1024).toFixed(0)} KiB`);
      const cpu = best!.cpuSeconds === undefined ? '' : `  ffmpeg CPU ${((best!.cpuSeconds * 1000) / FRAMES).toFixed(1)} ms/frame`;
      console.log(
        `  ${preset.padEnd(9)} ${(FRAMES / best!.seconds).toFixed(1).padStart(6)} fps  ` +
          `(${best!.seconds.toFixed(2)} s)${cpu}  video ${video}, web ${web}, thumb ${thumb}`,
      );
    }
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
