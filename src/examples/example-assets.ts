/**
 * Makes each example's preview JPEG (a real render: one still by our renderer) and USDZ (our
 * exporter) under fixtures/examples/generated/. Run at build time by
 * `node dist/scripts/make-fixtures.js` (which `npm test`, scripts/setup.sh and CI run); a
 * server that finds them missing makes them on first use. Skips an example whose files exist
 * and were made from the same GLB bytes with the same recipe (generated/manifest.json), so a
 * second run costs a few hashes. Concurrent callers in one process share one run.
 *
 * ```ts
 * await ensureExampleAssets();   // then listExamples()[i].previewJpegPath exists
 * ```
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportUsdzInWorker } from '../ingest/ingest-worker.js';
import { renderToDirectory } from '../render/render-engine.js';
import type { StillsOutputs } from '../render/worker-protocol.js';
import { parseRenderSettings } from '../settings/render-settings.js';
import { EXAMPLES_GENERATED_DIRECTORY, listExamples, type ExampleModel } from './examples.js';

/** The preview's render settings; part of the recipe, so changing them makes the previews anew. */
const PREVIEW_SETTINGS = { output: 'stills', stills: ['three-quarter'], imageSize: '768x768', imageFormat: 'jpeg', lighting: 'studio-soft' } as const;
/** Bump when the USDZ exporter's output changes in a way the shipped examples should pick up. */
const RECIPE_VERSION = 1;
const RECIPE = createHash('sha256').update(JSON.stringify({ PREVIEW_SETTINGS, RECIPE_VERSION })).digest('hex').slice(0, 16);

type Manifest = Record<string, { glbSha256: string; recipe: string }>;

const MANIFEST = 'manifest.json';

export interface ExampleAssetsReport {
  made: string[];
  upToDate: string[];
}

let running: Promise<ExampleAssetsReport> | null = null;
let known = false;

/** Makes the missing or stale preview/USDZ files; resolves at once after the first successful check in this process. */
export function ensureExampleAssets(): Promise<ExampleAssetsReport> {
  if (known) return Promise.resolve({ made: [], upToDate: listExamples().map((example) => example.id) });
  running ??= makeExampleAssets()
    .then((report) => {
      known = true;
      return report;
    })
    .finally(() => {
      running = null;
    });
  return running;
}

async function makeExampleAssets(): Promise<ExampleAssetsReport> {
  await mkdir(EXAMPLES_GENERATED_DIRECTORY, { recursive: true });
  const manifestPath = path.join(EXAMPLES_GENERATED_DIRECTORY, MANIFEST);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8').catch(() => '{}')) as Manifest;
  const report: ExampleAssetsReport = { made: [], upToDate: [] };
  // All at once: a render's start (process, modules, environment) is mostly one core's work, so two cores overlap them.
  await Promise.all(
    listExamples().map(async (example) => {
      const glbSha256 = createHash('sha256').update(await readFile(example.glbPath)).digest('hex');
      const recorded = manifest[example.id];
      const present = (await Promise.all([example.previewJpegPath, example.usdzPath].map((file) => stat(file).catch(() => null)))).every(Boolean);
      if (present && recorded?.glbSha256 === glbSha256 && recorded.recipe === RECIPE) {
        report.upToDate.push(example.id);
        return;
      }
      await Promise.all([renderPreview(example), exportUsdz(example)]);
      manifest[example.id] = { glbSha256, recipe: RECIPE };
      report.made.push(example.id);
    }),
  );
  const order = listExamples().map((example) => example.id);
  for (const list of [report.made, report.upToDate]) list.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  if (report.made.length > 0) await writeAtomically(manifestPath, (partial) => writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`));
  return report;
}

/** Writes `file` through a temporary name beside it, so a reader never sees half a file. */
async function writeAtomically(file: string, write: (partial: string) => Promise<unknown>): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  try {
    await write(partial);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

async function renderPreview(example: ExampleModel): Promise<void> {
  const work = await mkdtemp(path.join(EXAMPLES_GENERATED_DIRECTORY, '.render-'));
  try {
    const result = await renderToDirectory({ modelPath: example.glbPath, settings: parseRenderSettings(PREVIEW_SETTINGS), outputDirectory: work });
    const still = (result.files as StillsOutputs)['still:three-quarter'];
    await writeAtomically(example.previewJpegPath, (partial) => copyFile(still, partial));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exportUsdz(example: ExampleModel): Promise<void> {
  await writeAtomically(example.usdzPath, (partial) => exportUsdzInWorker(example.glbPath, partial));
}
