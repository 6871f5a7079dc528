/**
 * Lighting benchmark: a 6 s share turntable with cast shadows (each lighting preset's
 * accumulated soft shadow, baked once per render) against today's default look, in the
 * same run, so the figure holds on a loaded machine as a ratio. Target (issue 13): the
 * share turntable with cast shadows stays ≤ 10 s wall on the 2-core machine.
 *
 *   npm run bench -- lighting [model] [--presets studio-soft,golden-hour]
 *
 * The looks run interleaved, twice, and each reports its faster run: on a machine shared
 * with other work a single pass of each look mostly measures the neighbours.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LIGHTING_PRESET_NAMES } from '../src/settings/lighting-settings.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { renderMeasured } from './measure.js';

const WALL_TARGET_SECONDS = 10;

export async function runLightingBenchmark(modelPath: string, presets: string[]): Promise<void> {
  const outputRoot = await mkdtemp(path.join(os.tmpdir(), 'renderbay-lighting-bench-'));
  try {
    const looks: [string, RenderSettingsInput][] = [
      ['default look', {}],
      ...presets.map((lighting) => [`lighting ${lighting}`, { lighting }] as [string, RenderSettingsInput]),
      ['environment only (studio)', { environmentImage: 'studio' }],
    ];
    const rows: { label: string; wall: number; setupMs: number; msPerFrame: number }[] = [];
    for (const [index, [label, settings]] of [...looks, ...looks].entries()) {
      const measured = await renderMeasured({
        modelPath,
        settings: parseRenderSettings({ quality: 'share', length: 6, ...settings }),
        outputDirectory: path.join(outputRoot, String(index)),
      });
      const timings = measured.result.timings;
      const row = { label, wall: measured.wallSeconds, setupMs: timings.setupMs, msPerFrame: timings.msPerFrame };
      const earlier = rows.find((other) => other.label === label);
      if (!earlier) rows.push(row);
      else if (row.wall < earlier.wall) Object.assign(earlier, row);
      console.log(`${label}: ${measured.wallSeconds.toFixed(1)} s wall (setup ${timings.setupMs} ms, ${timings.msPerFrame} ms/frame)`);
    }
    const base = rows[0].wall;
    console.log('\n(best of 2 interleaved runs each)\n| look | wall s | × default | setup ms | ms/frame | ≤ 10 s |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const row of rows) {
      console.log(`| ${row.label} | ${row.wall.toFixed(1)} | ${(row.wall / base).toFixed(2)} | ${row.setupMs} | ${row.msPerFrame} | ${row.wall <= WALL_TARGET_SECONDS ? 'yes' : 'no'} |`);
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
