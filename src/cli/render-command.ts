/**
 * `renderbay render <model>`: renders a turntable video, web variant, thumbnail and
 * posters from a GLB/glTF file, with a progress bar on a terminal and a one-line (or
 * JSON) summary when done.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { renderToDirectory } from '../render/render-engine.js';
import { ASPECTS, parseRenderSettings, QUALITIES, type RenderSettingsInput } from '../settings/render-settings.js';
import { createProgressReporter } from './progress.js';

/** CLI option name → settings field, for the options that map one-to-one. */
const OPTION_FIELDS = {
  quality: 'quality',
  aspect: 'aspect',
  bg: 'bgColor',
  length: 'length',
  shadows: 'shadows',
  reflector: 'reflector',
  easing: 'easing',
  rotateY: 'rotateY',
  zoom: 'zoom',
} as const satisfies Record<string, keyof RenderSettingsInput>;

const NUMERIC_OPTIONS = new Set(['length', 'rotateY', 'zoom']);

export function registerRenderCommand(program: Command): void {
  // Values are validated by the settings schema, not by commander, so the CLI reports the
  // same invalid_settings errors as the API.
  program
    .command('render')
    .description('Render a turntable video, web variant, thumbnail and posters of a GLB/glTF model')
    .argument('<model>', 'path to a .glb or .gltf file')
    .option('-o, --out <dir>', 'output directory', 'renderbay-out')
    .option('-q, --quality <tier>', `output tier: ${QUALITIES.join(', ')} (default share: 960×540 at 16:9)`)
    .option('-a, --aspect <ratio>', `frame aspect ratio: ${ASPECTS.join(', ')} (default 16:9)`)
    .option('--bg <hex>', "background colour, e.g. '#ffffff'")
    .option('--length <seconds>', 'video length, 3–30 seconds')
    .option('--shadows', 'soft ground shadow (default)')
    .option('--no-shadows', 'no ground shadow')
    .option('--reflector', 'reflective floor')
    .option('--easing', 'ease in and out of the rotation (default)')
    .option('--no-easing', 'constant rotation speed (seamless loop)')
    .option('--rotate-y <degrees>', 'camera start angle, −180–180')
    .option('--zoom <factor>', 'camera distance multiplier, 0.5–2')
    .option('--json', 'print a machine-readable summary on stdout')
    .action(async (model: string, options: Record<string, unknown>, command: Command) => {
      const input: Record<string, unknown> = {};
      for (const [option, field] of Object.entries(OPTION_FIELDS)) {
        if (command.getOptionValueSource(option) !== 'cli') continue;
        const value = options[option];
        input[field] = NUMERIC_OPTIONS.has(option) && typeof value === 'string' ? Number(value) : value;
      }
      const settings = parseRenderSettings(input);
      const json = options.json === true;
      const progress = createProgressReporter({ enabled: !json && process.stderr.isTTY === true });
      const started = performance.now();
      let result;
      try {
        result = await renderToDirectory({ modelPath: model, settings, outputDirectory: String(options.out), onProgress: progress.update });
      } finally {
        progress.stop();
      }
      const wallSeconds = (performance.now() - started) / 1000;
      const sizes = Object.fromEntries(
        await Promise.all(Object.entries(result.files).map(async ([name, file]) => [name, (await stat(file)).size] as const)),
      );
      if (json) {
        const summary = {
          ok: true,
          model: path.resolve(model),
          outputDirectory: path.resolve(String(options.out)),
          files: result.files,
          bytes: sizes,
          width: result.width,
          height: result.height,
          frames: result.frameCount,
          fps: result.fps,
          durationSeconds: result.durationSeconds,
          wallSeconds: Math.round(wallSeconds * 100) / 100,
          msPerFrame: result.timings.msPerFrame,
          timings: result.timings,
          settings,
        };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const list = Object.entries(result.files)
        .map(([name, file]) => `${path.basename(file)} ${formatBytes(sizes[name])}`)
        .join(', ');
      process.stdout.write(
        `Rendered ${path.basename(model)} → ${path.relative(process.cwd(), path.dirname(result.files.video)) || '.'}/: ${list} · ` +
          `${result.width}×${result.height}, ${result.frameCount} frames, ${result.durationSeconds.toFixed(1)} s video · ` +
          `${wallSeconds.toFixed(1)} s wall, ${result.timings.msPerFrame} ms/frame\n`,
      );
    });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
