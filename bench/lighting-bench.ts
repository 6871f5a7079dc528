/**
 * Lighting benchmark: a 6 s share turntable with cast shadows (each lighting preset's
 * accumulated soft shadow, baked once per render) against today's default look, in the
 * same run, so the figure holds on a loaded machine as a ratio. Target (issue 13): the
 * share turntable with cast shadows stays ≤ 10 s wall on the 2-core machine.
 *
 *   npm run bench -- lighting [model] [--presets studio-soft,golden-hour] [--runs 2] [--baseline DIR]
 *
 * The looks run interleaved, `--runs` times, and each reports its fastest run: on a
 * machine shared with other work a single pass of each look mostly measures the
 * neighbours. CPU seconds (worker and ffmpeg, user + system) are reported beside the wall
 * time: other work slows a render down but barely changes the work it does.
 *
 * `--baseline DIR` names another built checkout (its `dist/`, e.g. main's): each look is
 * also rendered by that build, interleaved with this one, and the table gives this
 * build's time as a ratio of the baseline's from the same run (the environment-only
 * reference look is then left out to keep the run short).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderToDirectory, type RenderJob } from '../src/render/render-engine.js';
import type { RenderResult } from '../src/render/worker-protocol.js';
import { LIGHTING_PRESET_NAMES } from '../src/settings/lighting-settings.js';
import { parseRenderSettings, type RenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { eachArg } from './args.js';
import { renderMeasured } from './measure.js';

const WALL_TARGET_SECONDS = 10;

/** A build that renders: this checkout's, or a baseline's dist loaded from its directory. */
interface Build {
  name: string;
  parse: (input: RenderSettingsInput) => RenderSettings;
  render: (job: RenderJob) => Promise<RenderResult>;
}

export interface LightingBenchmarkOptions {
  presets: string[];
  /** Interleaved passes over the looks (each look reports its fastest). */
  runs: number;
  /** A built checkout whose dist renders the same looks for comparison. */
  baseline?: string;
}

async function loadBaseline(directory: string): Promise<Build> {
  const module = (file: string) => import(pathToFileURL(path.join(directory, 'dist', file)).href);
  const [{ renderToDirectory }, { parseRenderSettings: parse }] = await Promise.all([module('src/render/render-engine.js'), module('src/settings/render-settings.js')]);
  return { name: `baseline (${directory})`, parse, render: renderToDirectory };
}

interface Row {
  look: string;
  build: string;
  wall: number;
  cpu: number;
  setupMs: number;
  msPerFrame: number;
}

export async function runLightingBenchmark(modelPath: string, options: LightingBenchmarkOptions): Promise<void> {
  const outputRoot = await mkdtemp(path.join(os.tmpdir(), 'renderbay-lighting-bench-'));
  const builds: Build[] = [{ name: 'this build', parse: parseRenderSettings, render: renderToDirectory }];
  if (options.baseline) builds.push(await loadBaseline(options.baseline));
  try {
    const looks: [string, RenderSettingsInput][] = [
      ['default look', {}],
      ...options.presets.map((lighting) => [`lighting ${lighting}`, { lighting }] as [string, RenderSettingsInput]),
      ...(options.baseline ? [] : [['environment only (studio)', { environmentImage: 'studio' }] as [string, RenderSettingsInput]]),
    ];
    const best: Row[] = [];
    let index = 0;
    for (let run = 0; run < options.runs; run++) {
      for (const [look, settings] of looks) {
        for (const build of builds) {
          const measured = await renderMeasured(
            { modelPath, settings: build.parse({ quality: 'share', length: 6, ...settings }), outputDirectory: path.join(outputRoot, String(index++)) },
            undefined,
            build.render,
          );
          const timings = measured.result.timings;
          const row = { look, build: build.name, wall: measured.wallSeconds, cpu: measured.memory.cpuSeconds, setupMs: timings.setupMs, msPerFrame: timings.msPerFrame };
          const earlier = best.find((other) => other.look === look && other.build === build.name);
          if (!earlier) best.push(row);
          else {
            if (row.wall < earlier.wall) Object.assign(earlier, { ...row, cpu: earlier.cpu });
            earlier.cpu = Math.min(earlier.cpu, row.cpu);
          }
          const load = os.loadavg()[0].toFixed(2);
          console.log(`${look}, ${build.name}: ${row.wall.toFixed(1)} s wall, ${row.cpu.toFixed(1)} s CPU (setup ${row.setupMs} ms, ${row.msPerFrame} ms/frame; load ${load})`);
        }
      }
    }
    const base = best[0].wall;
    const baselineOf = (row: Row) => best.find((other) => other.look === row.look && other.build !== row.build && row.build === builds[0].name);
    console.log(`\n(fastest of ${options.runs} interleaved runs each; CPU: the least of the runs)`);
    console.log(`| look | build | wall s | CPU s | ${options.baseline ? '× baseline (wall, CPU)' : '× default'} | setup ms | ms/frame | ≤ ${WALL_TARGET_SECONDS} s |`);
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of best) {
      const reference = baselineOf(row);
      const ratio = options.baseline
        ? reference
          ? `${(row.wall / reference.wall).toFixed(2)}, ${(row.cpu / reference.cpu).toFixed(2)}`
          : ''
        : (row.wall / base).toFixed(2);
      console.log(`| ${row.look} | ${row.build} | ${row.wall.toFixed(1)} | ${row.cpu.toFixed(1)} | ${ratio} | ${row.setupMs} | ${row.msPerFrame} | ${row.wall <= WALL_TARGET_SECONDS ? 'yes' : 'no'} |`);
    }
  } finally {
    await rm(outputRoot, { recursive: true, force: true });
  }
}

export function parseLightingPresets(value: string | undefined): string[] {
  const presets = value === undefined ? ['studio-soft', 'golden-hour'] : value.split(',');
  for (const preset of presets) parseRenderSettings({ lighting: preset }); // the product's own message for an unknown one
  return presets.length ? presets : [...LIGHTING_PRESET_NAMES];
}

/** The lighting command's options: [model] [--presets a,b] [--runs N] [--baseline DIR]; throws on a bad one. */
export function parseLightingArgs(args: string[]): { model?: string; options: LightingBenchmarkOptions } {
  let model: string | undefined;
  let presets: string | undefined;
  let runs = 2;
  let baseline: string | undefined;
  eachArg(args, (arg, value) => {
    if (arg === '--presets') presets = value();
    else if (arg === '--runs') runs = Number(value());
    else if (arg === '--baseline') baseline = path.resolve(value());
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else model = arg;
  });
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${runs}`);
  if (baseline !== undefined && !existsSync(path.join(baseline, 'dist', 'src', 'render', 'render-engine.js'))) {
    throw new Error(`--baseline ${baseline}: no built dist/ there (run npm run build in it first)`);
  }
  return { model, options: { presets: parseLightingPresets(presets), runs, baseline } };
}
