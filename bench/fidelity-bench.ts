/**
 * Fidelity benchmark (issue 13): renders every scenario of the Khronos render-fidelity set
 * (../shared/fidelity/scenarios.json) with its own camera (cameraOrbit, cameraTarget,
 * fieldOfView), 768×768, transparent background, lit by its HDR where
 * ../shared/assets/environments has it (DamagedHelmet's) and by the neutral preset
 * otherwise (marked), and scores each still against every renderer's golden with
 * model-viewer's metric (fidelity-metric.ts; lower dB is better). Also prints auto
 * framing's figures on the same models: the share of the frame the silhouette spans
 * (bench/framing-figures.ts; --no-framing leaves them out).
 *
 *   npm run bench:fidelity [-- --shared ../shared] [--only DamagedHelmet] [--keep out-dir] [--with '{"exposure":1.1}'] [--antialiasing ssaa2]
 *
 * Targets for DamagedHelmet: ≤ −26 dB against model-viewer's golden, ≤ −18.0 dB against
 * Blender Cycles'.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderToDirectory } from '../src/render/render-engine.js';
import type { Antialiasing } from '../src/render/render-plan.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { fidelityScore, type RgbaImage } from './fidelity-metric.js';
import { framingFigures } from './framing-figures.js';

interface Scenario {
  name: string;
  local_model: string;
  lighting: string;
  target: { x: number; y: number; z: number };
  orbit: { theta: number; phi: number; radius: number };
  verticalFoV: number;
  dimensions: { width: number; height: number };
  golden_thumbnails: string[];
}

const TARGETS: Record<string, Record<string, number>> = { 'khronos-DamagedHelmet': { 'model-viewer': -26, 'blender-cycles': -18.0 } };
const HDR_ID = 'fidelity-hdr';

/** A scenario's look: its camera, transparent, no ground shadow (model-viewer's shadow-intensity defaults to 0). */
export function scenarioSettings(scenario: Scenario, environmentImage: string): RenderSettingsInput {
  const { orbit, target } = scenario;
  return {
    output: 'stills',
    cameraOrbit: `${orbit.theta}deg ${orbit.phi}deg ${orbit.radius}m`,
    cameraTarget: `${target.x}m ${target.y}m ${target.z}m`,
    fieldOfView: `${scenario.verticalFoV}deg`,
    imageSize: `${scenario.dimensions.width}x${scenario.dimensions.height}`,
    transparent: true,
    shadows: false,
    environmentImage,
  };
}

async function readRgba(file: string, size: number): Promise<RgbaImage> {
  const { data, info } = await sharp(file).ensureAlpha().resize(size, size, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function rendererOf(golden: string): string {
  return golden.replace(/-golden\.thumb\.png$/, '');
}

async function main(argv: string[]): Promise<void> {
  const option = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const shared = path.resolve(option('--shared') ?? '../shared');
  const only = option('--only');
  const keep = option('--keep');
  // Extra settings on every scenario, to investigate a look: --with '{"exposure":1.1}'.
  const extra = JSON.parse(option('--with') ?? '{}') as RenderSettingsInput;
  const antialiasing = option('--antialiasing') as Antialiasing | undefined;
  const fidelity = path.join(shared, 'fidelity');
  if (!existsSync(path.join(fidelity, 'scenarios.json'))) throw new Error(`${fidelity}/scenarios.json not found: pass --shared <dir>`);
  const { scenarios } = JSON.parse(await readFile(path.join(fidelity, 'scenarios.json'), 'utf8')) as { scenarios: Scenario[] };
  const outputRoot = keep ? path.resolve(keep) : await mkdtemp(path.join(os.tmpdir(), 'renderbay-fidelity-'));
  await mkdir(outputRoot, { recursive: true });
  const rows: { name: string; lit: string; seconds: number; scores: Record<string, number> }[] = [];
  try {
    for (const scenario of scenarios.filter((candidate) => !only || candidate.name.includes(only))) {
      const hdr = path.join(shared, 'assets', 'environments', scenario.lighting);
      const lit = existsSync(hdr) ? scenario.lighting : 'neutral*';
      const settings = parseRenderSettings({ ...scenarioSettings(scenario, existsSync(hdr) ? HDR_ID : 'neutral'), ...extra });
      const outputDirectory = path.join(outputRoot, scenario.name);
      const started = performance.now();
      await renderToDirectory({
        modelPath: path.join(shared, 'assets', scenario.local_model),
        settings,
        environments: { [HDR_ID]: hdr },
        outputDirectory,
        antialiasing,
      });
      const seconds = (performance.now() - started) / 1000;
      const scores: Record<string, number> = {};
      for (const golden of scenario.golden_thumbnails) {
        const file = path.join(fidelity, 'goldens', scenario.name, golden);
        if (!existsSync(file)) continue;
        const reference = await readRgba(file, 512);
        const candidate = await readRgba(path.join(outputDirectory, 'stills', 'camera.png'), reference.width);
        scores[rendererOf(golden)] = fidelityScore(candidate, reference);
      }
      rows.push({ name: scenario.name, lit, seconds, scores });
      console.log(`${scenario.name}: ${seconds.toFixed(1)} s, model-viewer ${scores['model-viewer']?.toFixed(2)} dB, blender-cycles ${scores['blender-cycles']?.toFixed(2)} dB`);
    }
  } finally {
    if (!keep) await rm(outputRoot, { recursive: true, force: true });
  }
  const renderers = [...new Set(rows.flatMap((row) => Object.keys(row.scores)))].sort((a, b) => (a === 'model-viewer' ? -1 : b === 'model-viewer' ? 1 : a.localeCompare(b)));
  console.log(`\nRenderbay vs each renderer's golden, model-viewer's metric (dB, lower is better; 512 px)\n`);
  console.log(`| scenario | lit by | ${renderers.join(' | ')} |`);
  console.log(`| --- | --- | ${renderers.map(() => '---').join(' | ')} |`);
  for (const row of rows) {
    const cells = renderers.map((renderer) => {
      const score = row.scores[renderer];
      if (score === undefined) return '–';
      const target = TARGETS[row.name]?.[renderer];
      return target === undefined ? score.toFixed(1) : `${score.toFixed(2)} (${score <= target ? '≤' : '>'} ${target})`;
    });
    console.log(`| ${row.name.replace('khronos-', '')} | ${row.lit} | ${cells.join(' | ')} |`);
  }
  console.log('\n* neutral: the scenario\'s HDR (lightroom_14b.hdr) is not in ../shared; lit by the neutral room environment instead.');
  if (argv.includes('--no-framing')) return;
  console.log(`\nAuto framing, default fill, 16:9 share turntable: silhouette height as a share of the frame\n`);
  console.log('| model | front | over the turntable | clipped (any move, 8 frames each) |');
  console.log('| --- | --- | --- | --- |');
  const percent = (share: number) => `${Math.round(share * 100)} %`;
  for (const scenario of scenarios.filter((candidate) => !only || candidate.name.includes(only))) {
    const figures = await framingFigures(path.join(shared, 'assets', scenario.local_model));
    console.log(`| ${scenario.name.replace('khronos-', '')} | ${percent(figures.frontHeight)} | ${figures.heights.map(percent).join('–')} | ${figures.clipped || figures.clippedMoves.length ? ['turntable', ...figures.clippedMoves].filter((move, index) => index > 0 || figures.clipped).join(', ') : 'no'} |`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
