/**
 * Is cheaper anti-aliasing still equivalent? Renders frames of a share turntable with 2×
 * supersampling (the reference: what the share tier rendered before it moved to
 * ssaa1.75) and with each candidate technique, in one process, and prints the PSNR of
 * every candidate frame against the reference frame (RGB, 0–255; 40 dB is the bar for
 * "equivalent") beside the CPU milliseconds a frame cost (the whole process: llvmpipe
 * shades on its own threads).
 *
 *   node dist/bench/supersample-psnr.js [model] [--look '{"lighting":"golden-hour"}'] [--candidates ssaa1.75,none] [--frames 0,30,60]
 */
import { ensureDisplay } from '../renderer/display.js';
import { Studio } from '../renderer/studio.js';
import { planRender, type Antialiasing } from '../src/render/render-plan.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { eachArg } from './args.js';
import { defaultModel } from './measure.js';
import { median } from './statistics.js';

interface Rendered {
  frames: Uint8Array[];
  cpuMsPerFrame: number;
}

async function renderFrames(model: string, look: RenderSettingsInput, antialiasing: Antialiasing, frames: number[]): Promise<Rendered> {
  const plan = planRender(parseRenderSettings({ quality: 'share', length: 6, ...look }), model, '/nonexistent', { antialiasing });
  const studio = await Studio.open(plan);
  try {
    studio.frame(frames[0]); // shaders compile and textures upload on the first frame
    const cpu: number[] = [];
    const rendered = frames.map((index) => {
      const before = process.cpuUsage();
      const pixels = studio.frame(index);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
      return pixels;
    });
    return { frames: rendered, cpuMsPerFrame: median(cpu) };
  } finally {
    studio.dispose();
  }
}

/** PSNR of two RGBA frames over their RGB channels, in dB (Infinity when identical). */
export function psnr(reference: Uint8Array, candidate: Uint8Array): number {
  let squared = 0;
  let count = 0;
  for (let index = 0; index < reference.length; index++) {
    if (index % 4 === 3) continue;
    const difference = reference[index] - candidate[index];
    squared += difference * difference;
    count++;
  }
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / count));
}

async function main(): Promise<void> {
  let model: string | undefined;
  let look: RenderSettingsInput = { lighting: 'golden-hour' };
  let candidates: Antialiasing[] = ['ssaa1.75'];
  let frames = [0, 30, 60, 90, 120, 150];
  eachArg(process.argv.slice(2), (arg, value) => {
    if (arg === '--look') look = JSON.parse(value()) as RenderSettingsInput;
    else if (arg === '--candidates') candidates = value().split(',') as Antialiasing[];
    else if (arg === '--frames') frames = value().split(',').map(Number);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else model = arg;
  });
  process.env.DISPLAY = await ensureDisplay();
  const modelPath = model ?? defaultModel();
  const reference = await renderFrames(modelPath, look, 'ssaa2', frames);
  console.log(`look ${JSON.stringify(look)}, share 960×540, frames ${frames.join(',')}`);
  console.log('| technique | CPU ms/frame (median) | × ssaa2 | PSNR vs ssaa2 per frame, dB | min dB |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| ssaa2 | ${reference.cpuMsPerFrame.toFixed(1)} | 1.00 | – | – |`);
  for (const antialiasing of candidates) {
    const candidate = await renderFrames(modelPath, look, antialiasing, frames);
    const scores = candidate.frames.map((pixels, index) => psnr(reference.frames[index], pixels));
    const ratio = candidate.cpuMsPerFrame / reference.cpuMsPerFrame;
    console.log(
      `| ${antialiasing} | ${candidate.cpuMsPerFrame.toFixed(1)} | ${ratio.toFixed(2)} | ${scores.map((score) => score.toFixed(1)).join(' ')} | ${Math.min(...scores).toFixed(1)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
