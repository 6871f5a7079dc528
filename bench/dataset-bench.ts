/**
 * Dataset benchmark: wall time, views per second, worker CPU time and peak memory of real
 * dataset renders, against the targets of the datasets issues (100x800 of DamagedHelmet
 * ≤ 20 s; 400x2048 completes with ≤ 2 GB peak RSS, images streamed into the zip). Four
 * cases by default: 100x800 and 400x2048, each with the extra passes (datasetPasses) off,
 * then all on.
 *
 *   npm run bench:dataset                                   the four cases, DamagedHelmet (or Suzanne)
 *   npm run bench:dataset -- --cases 100x800:off,100x800:on  chosen cases; VIEWSxSIZE:off|on (40x2048:on = datasetViews 40, datasetSize 2048)
 *   npm run bench:dataset -- --tiers 100x800 --passes both   the same as a cross product
 *   npm run bench:dataset -- --cases 100x800:off --runs 3 --baseline /tmp/ds-base
 *
 * `--baseline DIR` measures another build of Renderbay (a clone at another commit, after
 * `npm run build` there) in the same run: each run of a case renders it with that build's
 * engine and worker and with this one, alternating which goes first, so both see the same
 * load. The summary gives the best of `--runs` for each and their ratio: on a machine
 * shared with others, absolute times say more about the others than about the code.
 *
 * Peak RSS is the largest sum of VmRSS over the renderer worker and its descendants,
 * sampled every 50 ms, and CPU the user + system seconds of that tree (all threads:
 * llvmpipe's and sharp's encoders included; bench/process-memory.ts); the Xvfb display
 * server and this process are not counted. The display starts before the first timed
 * render. The load average (1 minute) is printed with every run. Outputs go to a temp
 * directory that is removed after each run. The exit code is 0 whether or not targets are met.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDisplay } from '../renderer/display.js';
import { renderToDirectory } from '../src/render/render-engine.js';
import type { DatasetRenderResult } from '../src/render/worker-protocol.js';
import { DATASET_PASSES } from '../src/settings/dataset-settings.js';
import { COVERAGES, DATASET_QUALITIES, parseRenderSettings, type Coverage, type DatasetQuality } from '../src/settings/render-settings.js';
import { defaultModel, mb, renderMeasured } from './measure.js';

/** Targets from the issues, per case name (GB = 10^9 bytes). */
const DATASET_TARGETS: Record<string, { wallSeconds?: number; peakRssBytes?: number }> = {
  '100x800': { wallSeconds: 20 },
  '400x2048': { peakRssBytes: 2e9 },
};

interface DatasetCase {
  /** "100x800": a tier, or views × size for datasetViews/datasetSize. */
  name: string;
  passes: 'off' | 'on';
}

interface DatasetBenchmarkOptions {
  modelPath: string;
  cases: DatasetCase[];
  coverage?: Coverage;
  runs: number;
  /** Root of another built checkout, measured alongside. */
  baseline?: string;
}

/** What a build offers the benchmark: its engine and its settings parser. */
interface Build {
  label: string;
  render: typeof renderToDirectory;
  parseSettings: typeof parseRenderSettings;
}

interface RunMeasurement {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  load: number;
  result: DatasetRenderResult;
}

const loadAverage = () => os.loadavg()[0];

async function loadBuild(root: string): Promise<Build> {
  const module = (file: string) => import(pathToFileURL(path.resolve(root, 'dist', file)).href);
  const [engine, settings] = await Promise.all([module('src/render/render-engine.js'), module('src/settings/render-settings.js')]);
  return { label: `baseline (${root})`, render: engine.renderToDirectory, parseSettings: settings.parseRenderSettings };
}

/** The settings of a case: a known tier by name, anything else as datasetViews × datasetSize. */
function caseSettings(build: Build, datasetCase: DatasetCase, coverage: Coverage | undefined) {
  const [views, size] = datasetCase.name.split('x').map(Number);
  const tier = DATASET_QUALITIES.includes(datasetCase.name as DatasetQuality);
  return build.parseSettings({
    output: 'dataset',
    ...(tier ? { datasetQuality: datasetCase.name } : { datasetViews: views, datasetSize: size }),
    coverage,
    ...(datasetCase.passes === 'on' ? { datasetPasses: [...DATASET_PASSES] } : {}),
  });
}

async function measureOnce(build: Build, datasetCase: DatasetCase, options: DatasetBenchmarkOptions, outputDirectory: string): Promise<RunMeasurement> {
  const settings = caseSettings(build, datasetCase, options.coverage);
  const load = loadAverage();
  let lastReport = 0;
  const measured = await renderMeasured(
    { modelPath: options.modelPath, settings, outputDirectory },
    ({ stage, framesDone, framesTotal }, seconds) => {
      if (stage === 'rendering' && seconds - lastReport >= 60) {
        lastReport = seconds;
        console.log(`    … ${framesDone}/${framesTotal} views after ${seconds.toFixed(0)} s`);
      }
    },
    build.render,
  );
  const { result: rendered, wallSeconds, memory } = measured;
  if (rendered.output !== 'dataset') throw new Error(`expected a dataset, got ${rendered.output}`);
  const { dataset, timings } = rendered;
  const zip64 = await hasZip64Records(rendered.files.dataset);
  const parts = memory.atPeak.map((member) => `${member.name} ${mb(member.rssBytes)} MB`).join(' + ');
  console.log(
    `  ${build.label}: wall ${wallSeconds.toFixed(2)} s, ${(dataset.views / wallSeconds).toFixed(2)} views/s, CPU ${memory.cpuSeconds.toFixed(1)} s, ` +
      `peak RSS ${mb(memory.peakBytes)} MB (${parts || 'n/a'}), zip ${mb(dataset.zipBytes)} MB${zip64 ? ' (ZIP64)' : ''}, load ${load.toFixed(1)} → ${loadAverage().toFixed(1)}`,
  );
  console.log(`    worker: setup ${timings.setupMs} ms, render ${timings.renderMs} ms (${timings.msPerFrame} ms/view), finish ${timings.encodeTailMs} ms; ${dataset.views} views of ${rendered.width}×${rendered.height}, ${dataset.points} points`);
  await rm(outputDirectory, { recursive: true, force: true }); // 400x2048 zips run to gigabytes
  return { wallSeconds, cpuSeconds: memory.cpuSeconds, peakRssBytes: memory.peakBytes, load, result: rendered };
}

async function runDatasetBenchmark(options: DatasetBenchmarkOptions): Promise<void> {
  const displayStarted = performance.now();
  // Set for the baseline's engine too, which has its own display module: one Xvfb serves both.
  process.env.DISPLAY = await ensureDisplay();
  console.log(`display ${process.env.DISPLAY} ready in ${(performance.now() - displayStarted).toFixed(0)} ms (before timing)`);
  const current: Build = { label: 'this build', render: renderToDirectory, parseSettings: parseRenderSettings };
  const baseline = options.baseline ? await loadBuild(options.baseline) : null;
  const outputRoot = await mkdtemp(path.join(os.tmpdir(), 'renderbay-dataset-bench-'));
  const rows: { datasetCase: DatasetCase; runs: RunMeasurement[]; baselineRuns: RunMeasurement[] }[] = [];
  try {
    for (const datasetCase of options.cases) {
      const row = { datasetCase, runs: [] as RunMeasurement[], baselineRuns: [] as RunMeasurement[] };
      rows.push(row);
      for (let run = 0; run < options.runs; run++) {
        console.log(`\n${datasetCase.name}, passes ${datasetCase.passes === 'on' ? DATASET_PASSES.join(', ') : 'off'}, run ${run + 1} of ${options.runs}`);
        // Alternating order: a load that drifts during a pair favours neither build.
        const order = baseline ? (run % 2 === 0 ? [baseline, current] : [current, baseline]) : [current];
        for (const build of order) {
          const measurement = await measureOnce(build, datasetCase, options, path.join(outputRoot, `${datasetCase.name}-${datasetCase.passes}-${run}`));
          (build === current ? row.runs : row.baselineRuns).push(measurement);
        }
      }
    }
  } finally {
    await rm(outputRoot, { recursive: true, force: true });
  }
  summarise(rows, options);
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

const best = (runs: RunMeasurement[], key: 'wallSeconds' | 'cpuSeconds') => Math.min(...runs.map((run) => run[key]));

function summarise(rows: { datasetCase: DatasetCase; runs: RunMeasurement[]; baselineRuns: RunMeasurement[] }[], options: DatasetBenchmarkOptions): void {
  const withBaseline = options.baseline !== undefined;
  const header = ['case', 'passes', 'views', 'wall s', 'views/s', 'CPU s', 'peak RSS MB', 'zip MB', 'load', ...(withBaseline ? ['base wall s', 'base CPU s', 'wall ratio', 'CPU ratio'] : [])];
  const table = rows.map(({ datasetCase, runs, baselineRuns }) => {
    const wall = best(runs, 'wallSeconds');
    const cpu = best(runs, 'cpuSeconds');
    const views = runs[0].result.dataset.views;
    const cells = [
      datasetCase.name,
      datasetCase.passes,
      String(views),
      wall.toFixed(2),
      (views / wall).toFixed(2),
      cpu.toFixed(1),
      mb(Math.max(...runs.map((run) => run.peakRssBytes))),
      mb(runs[0].result.dataset.zipBytes),
      `${Math.min(...runs.map((run) => run.load)).toFixed(1)}–${Math.max(...runs.map((run) => run.load)).toFixed(1)}`,
    ];
    if (withBaseline) {
      const baseWall = best(baselineRuns, 'wallSeconds');
      const baseCpu = best(baselineRuns, 'cpuSeconds');
      cells.push(baseWall.toFixed(2), baseCpu.toFixed(1), (wall / baseWall).toFixed(3), (cpu / baseCpu).toFixed(3));
    }
    return cells;
  });
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  console.log(`\nSummary (best of ${options.runs}; peak RSS the largest; load = 1-minute load average at each run's start${withBaseline ? '; ratio = this build ÷ baseline' : ''})`);
  console.log(line(header));
  for (const row of table) console.log(line(row));
  console.log('\nTargets (issues 6 and 16)');
  for (const { datasetCase, runs } of rows) {
    if (datasetCase.passes === 'on') continue; // the targets are for the default files
    const target = DATASET_TARGETS[datasetCase.name];
    const wall = best(runs, 'wallSeconds');
    const peak = Math.max(...runs.map((run) => run.peakRssBytes));
    if (target?.wallSeconds !== undefined) console.log(`  ${wall <= target.wallSeconds ? 'PASS' : 'FAIL'}  ${datasetCase.name} wall ${wall.toFixed(2)} s ≤ ${target.wallSeconds} s`);
    if (target?.peakRssBytes !== undefined) console.log(`  ${peak <= target.peakRssBytes ? 'PASS' : 'FAIL'}  ${datasetCase.name} peak RSS ${mb(peak)} MB ≤ ${mb(target.peakRssBytes)} MB`);
  }
}

const USAGE = `Usage: npm run bench:dataset -- [model] [--cases ${DATASET_QUALITIES[0]}:off,VIEWSxSIZE:on,…] [--tiers ${DATASET_QUALITIES.join(',')}] [--passes off|on|both] [--coverage ${COVERAGES.join('|')}] [--runs N] [--baseline DIR]`;

function parseCase(text: string): DatasetCase {
  const [name, passes = 'off'] = text.split(':');
  if (!/^\d+x\d+$/.test(name) || (passes !== 'off' && passes !== 'on')) throw new Error(`a case is VIEWSxSIZE:off|on, got ${text}\n${USAGE}`);
  return { name, passes };
}

function parseArgs(args: string[]): DatasetBenchmarkOptions {
  let modelPath: string | undefined;
  let cases: DatasetCase[] | undefined;
  let tiers = ['100x800', '400x2048'];
  let passes: ('off' | 'on')[] = ['off', 'on'];
  let coverage: Coverage | undefined;
  let runs = 1;
  let baseline: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    const value = () => args[++index] ?? '';
    if (arg === '--cases') cases = value().split(',').map(parseCase);
    else if (arg === '--tiers') tiers = value().split(',');
    else if (arg === '--coverage') {
      coverage = value() as Coverage;
      if (!COVERAGES.includes(coverage)) throw new Error(`unknown coverage ${coverage}\n${USAGE}`);
    } else if (arg === '--passes') {
      const choice = value();
      if (choice !== 'off' && choice !== 'on' && choice !== 'both') throw new Error(`--passes takes off, on or both\n${USAGE}`);
      passes = choice === 'both' ? ['off', 'on'] : [choice];
    } else if (arg === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number ≥ 1\n${USAGE}`);
    } else if (arg === '--baseline') {
      baseline = path.resolve(value());
      if (!existsSync(path.join(baseline, 'dist/src/render/render-engine.js'))) throw new Error(`${baseline} has no build: run npm run build there\n${USAGE}`);
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('--') || modelPath) {
      throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    } else modelPath = arg;
  }
  cases ??= tiers.flatMap((tier) => passes.map((pass) => parseCase(`${tier}:${pass}`)));
  const explicit = modelPath !== undefined;
  modelPath ??= defaultModel();
  if (!existsSync(modelPath)) throw new Error(`model not found: ${modelPath}`);
  if (explicit) console.log(`Model: ${modelPath}`);
  return { modelPath, cases, coverage, runs, baseline };
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
