/**
 * Dataset benchmark: wall time, views per second and peak memory of real dataset renders,
 * against the targets of the datasets issues (100x800 of DamagedHelmet ≤ 20 s with the
 * extra passes off; 400x2048 completes with ≤ 2 GB peak RSS, images streamed into the zip).
 * Each tier runs with the extra passes (datasetPasses) off, then all on.
 *
 *   npm run bench:dataset                                 100x800 then 400x2048 of DamagedHelmet (or Suzanne), passes off and on
 *   npm run bench:dataset -- <model> [--tiers 100x800,196x1024] [--coverage sphere] [--passes off|on|both]
 *
 * Peak RSS is the largest sum of VmRSS over the renderer worker and its descendants,
 * sampled every 50 ms (bench/process-memory.ts); the Xvfb display server and this
 * process are not counted. The display starts before the first timed render. Outputs go
 * to a temp directory that is removed at the end. The exit code is 0 whether or not
 * targets are met.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDisplay } from '../renderer/display.js';
import type { DatasetRenderResult } from '../src/render/worker-protocol.js';
import { DATASET_PASSES } from '../src/settings/dataset-settings.js';
import { COVERAGES, DATASET_QUALITIES, parseRenderSettings, type Coverage, type DatasetQuality } from '../src/settings/render-settings.js';
import { defaultModel, mb, renderMeasured } from './measure.js';
import type { PeakRss } from './process-memory.js';

/** Targets from the issue, per tier (GB = 10^9 bytes). */
const DATASET_TARGETS: Partial<Record<DatasetQuality, { wallSeconds?: number; peakRssBytes?: number }>> = {
  '100x800': { wallSeconds: 20 },
  '400x2048': { peakRssBytes: 2e9 },
};

interface DatasetBenchmarkOptions {
  modelPath: string;
  tiers: DatasetQuality[];
  coverage?: Coverage;
  /** Run each tier with the extra passes off, on, or both. */
  passes: ('off' | 'on')[];
}

interface DatasetMeasurement {
  quality: DatasetQuality;
  passes: 'off' | 'on';
  wallSeconds: number;
  viewsPerSecond: number;
  memory: PeakRss;
  result: DatasetRenderResult;
}

async function runDatasetBenchmark(options: DatasetBenchmarkOptions): Promise<void> {
  const displayStarted = performance.now();
  const display = await ensureDisplay();
  console.log(`display ${display} ready in ${(performance.now() - displayStarted).toFixed(0)} ms (before timing)`);
  const outputRoot = await mkdtemp(path.join(os.tmpdir(), 'renderbay-dataset-bench-'));
  const measurements: DatasetMeasurement[] = [];
  try {
    for (const quality of options.tiers) for (const passes of options.passes) {
      const datasetPasses = passes === 'on' ? [...DATASET_PASSES] : undefined;
      const settings = parseRenderSettings({ output: 'dataset', datasetQuality: quality, coverage: options.coverage, datasetPasses });
      console.log(`\n${quality} (${settings.coverage}, passes ${passes === 'on' ? DATASET_PASSES.join(', ') : 'off'}): rendering ${options.modelPath}`);
      let lastReport = 0;
      const job = { modelPath: options.modelPath, settings, outputDirectory: path.join(outputRoot, `${quality}-${passes}`) };
      const measured = await renderMeasured(job, ({ stage, framesDone, framesTotal }, seconds) => {
        if (stage === 'rendering' && seconds - lastReport >= 30) {
          lastReport = seconds;
          console.log(`  … ${framesDone}/${framesTotal} views after ${seconds.toFixed(0)} s`);
        }
      });
      const { result: rendered, wallSeconds, memory, stages } = measured;
      if (rendered.output !== 'dataset') throw new Error(`expected a dataset, got ${rendered.output}`);
      const { dataset, timings } = rendered;
      const viewsPerSecond = dataset.views / wallSeconds;
      console.log(`  stages:          ${stages.join(', ')}`);
      console.log(`  wall:            ${wallSeconds.toFixed(2)} s; ${viewsPerSecond.toFixed(2)} views/s (${dataset.views} views of ${rendered.width}×${rendered.height})`);
      console.log(`  worker timings:  setup ${timings.setupMs} ms, render ${timings.renderMs} ms (${timings.msPerFrame} ms/view), finish ${timings.encodeTailMs} ms`);
      const parts = memory.atPeak.map((member) => `${member.name} ${mb(member.rssBytes)} MB`).join(' + ');
      console.log(`  peak RSS:        ${mb(memory.peakBytes)} MB (worker tree, ${memory.samples} samples; at peak: ${parts || 'n/a'})`);
      const zip64 = await hasZip64Records(rendered.files.dataset);
      console.log(`  dataset.zip:     ${mb(dataset.zipBytes)} MB${zip64 ? ' (ZIP64)' : ''}, ${dataset.points} points, scale ${dataset.scale.toPrecision(6)}`);
      measurements.push({ quality, passes, wallSeconds, viewsPerSecond, memory, result: rendered });
      await rm(path.join(outputRoot, `${quality}-${passes}`), { recursive: true, force: true }); // 400x2048 zips run to gigabytes
    }
  } finally {
    await rm(outputRoot, { recursive: true, force: true });
  }
  summarise(measurements);
}

/**
 * Whether the archive ends with ZIP64 records (the ZIP64 end-of-central-directory locator,
 * signature PK\x06\x07, 20 bytes before the classic end record): yazl writes them by
 * itself once offsets pass 4 GiB or entries 65,535, and must for the 400x2048 tier with passes.
 */
async function hasZip64Records(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.min(size, 22 + 20 + 65_535));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return tail.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
  } finally {
    await handle.close();
  }
}

function summarise(measurements: DatasetMeasurement[]): void {
  const header = ['tier', 'passes', 'views', 'wall s', 'views/s', 'ms/view', 'setup ms', 'peak RSS MB', 'zip MB'];
  const rows = measurements.map((m) => [
    m.quality,
    m.passes,
    String(m.result.dataset.views),
    m.wallSeconds.toFixed(2),
    m.viewsPerSecond.toFixed(2),
    m.result.timings.msPerFrame.toFixed(1),
    String(m.result.timings.setupMs),
    mb(m.memory.peakBytes),
    mb(m.result.dataset.zipBytes),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  console.log('\nSummary');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log('\nTargets (issues 6 and 16)');
  for (const m of measurements) {
    if (m.passes === 'on') continue; // the targets are for the default files
    const target = DATASET_TARGETS[m.quality];
    if (target?.wallSeconds !== undefined) {
      console.log(`  ${m.wallSeconds <= target.wallSeconds ? 'PASS' : 'FAIL'}  ${m.quality} wall ${m.wallSeconds.toFixed(2)} s ≤ ${target.wallSeconds} s`);
    }
    if (target?.peakRssBytes !== undefined) {
      console.log(`  ${m.memory.peakBytes <= target.peakRssBytes ? 'PASS' : 'FAIL'}  ${m.quality} peak RSS ${mb(m.memory.peakBytes)} MB ≤ ${mb(target.peakRssBytes)} MB`);
    }
  }
}

const USAGE = `Usage: npm run bench:dataset -- [model] [--tiers ${DATASET_QUALITIES.join(',')}] [--coverage ${COVERAGES.join('|')}] [--passes off|on|both]`;

function parseArgs(args: string[]): DatasetBenchmarkOptions {
  let modelPath: string | undefined;
  let tiers: DatasetQuality[] = ['100x800', '400x2048'];
  let coverage: Coverage | undefined;
  let passes: ('off' | 'on')[] = ['off', 'on'];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--tiers') {
      tiers = (args[++index] ?? '').split(',') as DatasetQuality[];
      for (const tier of tiers) if (!DATASET_QUALITIES.includes(tier)) throw new Error(`unknown tier ${tier}\n${USAGE}`);
    } else if (arg === '--coverage') {
      coverage = args[++index] as Coverage;
      if (!COVERAGES.includes(coverage)) throw new Error(`unknown coverage ${coverage}\n${USAGE}`);
    } else if (arg === '--passes') {
      const value = args[++index];
      if (value !== 'off' && value !== 'on' && value !== 'both') throw new Error(`--passes takes off, on or both\n${USAGE}`);
      passes = value === 'both' ? ['off', 'on'] : [value];
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('--') || modelPath) {
      throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    } else modelPath = arg;
  }
  const explicit = modelPath !== undefined;
  modelPath ??= defaultModel();
  if (!existsSync(modelPath)) throw new Error(`model not found: ${modelPath}`);
  if (explicit) console.log(`Model: ${modelPath}`);
  return { modelPath, tiers, coverage, passes };
}

try {
  const options = parseArgs(process.argv.slice(2));
  console.log(`Machine: ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load average ${os.loadavg().map((value) => value.toFixed(2)).join(', ')} at start`);
  await runDatasetBenchmark(options);
  console.log(`\nLoad average at end: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
  process.exit(0); // the display module's exit hook stops the Xvfb this process started
} catch (error) {
  console.error(`dataset-bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
