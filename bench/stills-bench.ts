/**
 * Stills benchmark: wall time of one stills render (the default: four 2k stills of
 * DamagedHelmet, PNG) against the issue's target of 10 s on the 2-core machine, with the
 * worker's setup, per-still render and encode tail, and peak RSS.
 *
 *   npm run bench -- stills [model] [--image-size 2k] [--image-format png] [--stills front,side] [--transparent] [--runs N]
 *
 * The display is started before the first timed render (a warm server); each run is a
 * fresh worker, as every render is. Outputs go to a temp directory removed at the end.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDisplay } from '../renderer/display.js';
import type { StillsRenderResult } from '../src/render/worker-protocol.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { eachArg } from './args.js';
import { defaultModel, mb, renderMeasured } from './measure.js';
import { median } from './statistics.js';

/** Issue 13: four 2k stills of DamagedHelmet within this many seconds of wall time. */
export const STILLS_TARGET_SECONDS = 10;

export async function runStillsBenchmark(args: string[]): Promise<void> {
  let model: string | undefined;
  let runs = 3;
  const input: RenderSettingsInput = { output: 'stills', imageSize: '2k' };
  eachArg(args, (arg, value) => {
    if (arg === '--image-size') input.imageSize = value();
    else if (arg === '--image-format') input.imageFormat = value() as RenderSettingsInput['imageFormat'];
    else if (arg === '--stills') input.stills = value().split(',') as RenderSettingsInput['stills'];
    else if (arg === '--transparent') input.transparent = true;
    else if (arg === '--runs') runs = Number(value());
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else model = path.resolve(arg);
  });
  const modelPath = model ?? defaultModel();
  const settings = parseRenderSettings(input);
  process.env.DISPLAY = await ensureDisplay();
  const outputRoot = await mkdtemp(path.join(os.tmpdir(), 'renderbay-stills-bench-'));
  const walls: number[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const { result, wallSeconds, memory, stages } = await renderMeasured({ modelPath, settings, outputDirectory: path.join(outputRoot, `run-${run}`) });
      const stills = result as StillsRenderResult;
      const bytes = await Promise.all(stills.stills.map(async (still) => (await stat(stills.files[`still:${still.name}`])).size));
      walls.push(wallSeconds);
      const { setupMs, renderMs, encodeTailMs } = result.timings;
      console.log(
        `run ${run}: ${stills.stills.length} × ${result.width}×${result.height} ${settings.imageFormat}${settings.transparent ? ' transparent' : ''} — ` +
          `${wallSeconds.toFixed(2)} s wall (setup ${setupMs} ms, render ${renderMs} ms = ${result.timings.msPerFrame} ms/still, encode tail ${encodeTailMs} ms), ` +
          `peak RSS ${mb(memory.peakBytes)} MB, ${bytes.map((size) => `${Math.round(size / 1024)} KiB`).join(' ')} · ${stages.join(', ')}`,
      );
    }
  } finally {
    await rm(outputRoot, { recursive: true, force: true });
  }
  const middle = median(walls);
  const verdict = middle <= STILLS_TARGET_SECONDS ? 'meets' : 'misses';
  console.log(`median wall ${middle.toFixed(2)} s over ${runs} runs: ${verdict} the ${STILLS_TARGET_SECONDS} s target (${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})`);
}
