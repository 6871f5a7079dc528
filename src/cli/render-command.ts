/**
 * `renderbay render <model>`: renders a turntable video, web variant, thumbnail and
 * posters from a GLB/glTF file — or, with `--dataset <tier>`, a training dataset zip —
 * with a progress bar on a terminal and a one-line (or JSON) summary when done.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { renderToDirectory } from '../render/render-engine.js';
import type { DatasetRenderResult, StillsRenderResult, VideoRenderResult } from '../render/worker-protocol.js';
import { RenderbayError } from '../errors.js';
import type { OverlayImage } from '../render/render-plan.js';
import {
  ALIGNMENTS,
  ASPECTS,
  EFFECTS,
  type Alignment,
  COVERAGES,
  DATASET_EFFECT,
  DATASET_QUALITIES,
  DEFAULT_DATASET_QUALITY,
  parseRenderSettings,
  QUALITIES,
  type RenderSettings,
  type RenderSettingsInput,
} from '../settings/render-settings.js';
import { IMAGE_FORMATS, IMAGE_SIZE_NAMES, STILL_PRESET_NAMES } from '../settings/stills-settings.js';
import { DEFAULT_FILL } from '../settings/camera-settings.js';
import { ENVIRONMENT_PRESETS, LIGHTING_PRESET_NAMES, TONE_MAPPINGS } from '../settings/lighting-settings.js';
import { createProgressReporter } from './progress.js';
import { applyTemplateOption } from './template-option.js';

/** CLI option name → settings field, for the options that map one-to-one. */
const OPTION_FIELDS = {
  quality: 'quality',
  aspect: 'aspect',
  effect: 'effect',
  sweepAngle: 'sweepAngle',
  easeOutRatio: 'easeOutRatio',
  amplitude: 'amplitude',
  zoomStart: 'zoomStart',
  zoomEnd: 'zoomEnd',
  scaleFrom: 'scaleFrom',
  vignette: 'vignette',
  bg: 'bgColor',
  bgAlign: 'bgAlign',
  length: 'length',
  animation: 'animation',
  animationSpeed: 'animationSpeed',
  shadows: 'shadows',
  reflector: 'reflector',
  easing: 'easing',
  rotateY: 'rotateY',
  tiltX: 'tiltX',
  panX: 'panX',
  rollZ: 'rollZ',
  zoom: 'zoom',
  fill: 'fill',
  cameraOrbit: 'cameraOrbit',
  cameraTarget: 'cameraTarget',
  fieldOfView: 'fieldOfView',
  coverage: 'coverage',
  imageSize: 'imageSize',
  imageFormat: 'imageFormat',
  transparent: 'transparent',
  environmentRotation: 'environmentRotation',
  environmentIntensity: 'environmentIntensity',
  lighting: 'lighting',
  exposure: 'exposure',
  toneMapping: 'toneMapping',
  skybox: 'skybox',
  skyboxBlur: 'skyboxBlur',
  shadowIntensity: 'shadowIntensity',
  shadowSoftness: 'shadowSoftness',
  templateId: 'templateId',
  materialVariant: 'materialVariant',
} as const satisfies Record<string, keyof RenderSettingsInput>;

const NUMERIC_OPTIONS = new Set([
  'sweepAngle',
  'easeOutRatio',
  'amplitude',
  'zoomStart',
  'zoomEnd',
  'scaleFrom',
  'vignette',
  'length',
  'animationSpeed',
  'rotateY',
  'tiltX',
  'panX',
  'rollZ',
  'zoom',
  'fill',
  'environmentRotation',
  'environmentIntensity',
  'exposure',
  'skyboxBlur',
  'shadowIntensity',
  'shadowSoftness',
]);

/** Ids the CLI gives image files passed as overlays (the API's are stored overlays). */
const CLI_BACKGROUND_ID = 'cli-background';
const cliForegroundId = (index: number) => `cli-foreground-${index + 1}`;
/** The id the CLI gives a local .hdr/.exr passed as --environment-image. */
const CLI_ENVIRONMENT_ID = 'cli-environment';

export function registerRenderCommand(program: Command): void {
  // Values are validated by the settings schema, not by commander, so the CLI reports the
  // same invalid_settings errors as the API.
  program
    .command('render')
    .description('Render a turntable video, web variant, thumbnail and posters of a GLB/glTF model, or (--dataset) a training dataset')
    .argument('<model>', 'path to a .glb or .gltf file')
    .option('-o, --out <dir>', 'output directory', 'renderbay-out')
    .option('-q, --quality <tier>', `output tier: ${QUALITIES.join(', ')} (default share: 960×540 at 16:9)`)
    .option('-a, --aspect <ratio>', `frame aspect ratio: ${ASPECTS.join(', ')} (default 16:9)`)
    .option('-e, --effect <move>', `camera move: ${EFFECTS.join(', ')} (default turntable); ${DATASET_EFFECT} is the same as --dataset ${DEFAULT_DATASET_QUALITY}`)
    .option('--sweep-angle <degrees>', 'degrees turned by hero-spin (540) and reveal (180), 10–1080')
    .option('--ease-out-ratio <share>', 'hero-spin: share of the video spent decelerating, 0–1 (0.6)')
    .option('--amplitude <degrees>', 'showcase: swing either side, 5–180 (60)')
    .option('--zoom-start <factor>', 'zoom-orbit: distance multiplier at the start, 0.1–3 (1.0)')
    .option('--zoom-end <factor>', 'zoom-orbit: distance multiplier at the end, 0.1–3 (0.7)')
    .option('--scale-from <scale>', "reveal: the model's scale on the first frame, 0–1 (0)")
    .option('--tilt-x <degrees>', 'model tilt forward/back, −90–90')
    .option('--pan-x <degrees>', 'model yaw, −180–180 (after the tilt)')
    .option('--roll-z <degrees>', 'model roll, −180–180')
    .option('--bg <hex>', "background colour, e.g. '#ffffff'")
    .option('--bg-image <file>', 'background image (PNG/JPEG/WebP), scaled to cover the frame; overrides --bg')
    .option('--bg-align <anchor>', `which part of the background image stays in frame: ${ALIGNMENTS.join(', ')} (default top-left)`)
    .option('--foreground <file>', 'image drawn over the model (watermark, frame), sized for a 1080-pixel short side; repeatable', collect, [])
    .option('--foreground-align <anchor>', `anchor of the --foreground images: ${ALIGNMENTS.join(', ')} (default top-left)`)
    .option('--vignette <amount>', 'darken the frame edges, 0–1')
    .option('--animation <clip>', "play an animation clip of the model ('*' for its first)")
    .option('--animation-speed <factor>', 'animation playback multiplier, 0.1–10')
    .option('--length <seconds>', 'video length, 3–30 seconds')
    .option('--shadows', 'soft ground shadow (default)')
    .option('--no-shadows', 'no ground shadow')
    .option('--reflector', 'reflective floor')
    .option('--easing', 'ease in and out of the rotation (default)')
    .option('--no-easing', 'constant rotation speed (seamless loop)')
    .option('--rotate-y <degrees>', 'camera start angle, −180–180')
    .option('--zoom <factor>', 'camera distance multiplier after --fill, 0.5–2')
    .option('--fill <share>', `auto framing: share of the frame the model spans over the move, 0.3–1 (default ${DEFAULT_FILL})`)
    .option('--camera-orbit <orbit>', 'explicit camera, model-viewer style: "θdeg φdeg rm" in the model\'s coordinates (the model stays in place)')
    .option('--camera-target <point>', 'point the explicit camera looks at: "xm ym zm" (default: the centre of the model\'s bounds)')
    .option('--field-of-view <angle>', 'vertical field of view, e.g. 45deg (10–90deg)')
    .option('--environment-image <preset|file>', `image-based lighting: a preset (${ENVIRONMENT_PRESETS.join(', ')}) or a local .hdr/.exr file; alone, it is the only light`)
    .option('--lighting <preset>', `lighting preset: ${LIGHTING_PRESET_NAMES.join(', ')}`)
    .option('--environment-rotation <degrees>', 'turn the environment, −360–360')
    .option('--environment-intensity <factor>', 'environment brightness, 0–10')
    .option('--exposure <factor>', 'exposure before tone mapping, 0–10')
    .option('--tone-mapping <curve>', `tone mapping: ${TONE_MAPPINGS.join(', ')} (default aces)`)
    .option('--skybox', 'show the environment as the background')
    .option('--skybox-blur <amount>', 'blur of the skybox, 0–1')
    .option('--shadow-intensity <opacity>', "opacity of the key light's cast shadow, 0–1")
    .option('--shadow-softness <amount>', 'softness of the cast shadow, 0 (hard) – 1')
    .option('--material-variant <name>', "render this material variant (KHR_materials_variants) of the model")
    .option('--dataset <tier>', `render a training dataset (dataset.zip) instead of a video: ${DATASET_QUALITIES.join(', ')} (views x pixels)`)
    .option('--coverage <coverage>', `dataset camera coverage: ${COVERAGES.join(', ')} (default hemisphere)`)
    .option('--stills [names]', `render stills instead of a video: comma-separated angles (${STILL_PRESET_NAMES.join(', ')}); alone, the default four`)
    .option('--image-size <size>', `stills: ${IMAGE_SIZE_NAMES.join(', ')} (long side; shape from --aspect) or WIDTHxHEIGHT, 64–4096 (default 1080p)`)
    .option('--image-format <format>', `stills: ${IMAGE_FORMATS.join(', ')} (default png)`)
    .option('--transparent', 'stills: transparent background, the shadow as partial alpha (png, webp, avif)')
    .option('--template-id <id>', 'apply a template: a built-in, or one of --data for --account; explicit options win, its bookmarks are the default --stills')
    .option('--data <dir>', 'data directory holding the templates --template-id may name (RENDERBAY_DATA, default ~/.renderbay)')
    .option('--account <id|email>', "whose templates --template-id looks in (default: the local account, as renderbay mcp)")
    .option('--json', 'print a machine-readable summary on stdout')
    .action(async (model: string, options: Record<string, unknown>, command: Command) => {
      const input: Record<string, unknown> = {};
      for (const [option, field] of Object.entries(OPTION_FIELDS)) {
        if (command.getOptionValueSource(option) !== 'cli') continue;
        const value = options[option];
        input[field] = NUMERIC_OPTIONS.has(option) && typeof value === 'string' ? Number(value) : value;
      }
      if (command.getOptionValueSource('dataset') === 'cli') {
        input.output = 'dataset';
        input.datasetQuality = options.dataset;
      }
      if (command.getOptionValueSource('stills') === 'cli') {
        input.output = 'stills';
        // Bare --stills is `true`: the default set.
        if (typeof options.stills === 'string') input.stills = options.stills.split(',').map((name) => name.trim());
      }
      const overlays: Record<string, OverlayImage> = {};
      const foregroundAlign = (options.foregroundAlign ?? 'top-left') as Alignment;
      if (!ALIGNMENTS.includes(foregroundAlign)) {
        throw new RenderbayError('invalid_settings', `--foreground-align must be one of: ${ALIGNMENTS.join(', ')}`);
      }
      if (typeof options.bgImage === 'string') {
        input.bgImageId = CLI_BACKGROUND_ID;
        overlays[CLI_BACKGROUND_ID] = { path: await existingFile(options.bgImage), alignment: 'top-left' };
      }
      const foreground = options.foreground as string[];
      if (foreground.length > 0) {
        input.foregroundIds = foreground.map((_, index) => cliForegroundId(index));
        for (const [index, file] of foreground.entries()) overlays[cliForegroundId(index)] = { path: await existingFile(file), alignment: foregroundAlign };
      }
      const environments: Record<string, string> = {};
      if (typeof options.environmentImage === 'string') {
        const value = options.environmentImage;
        if (/\.(hdr|exr)$/i.test(value)) {
          input.environmentImage = CLI_ENVIRONMENT_ID;
          environments[CLI_ENVIRONMENT_ID] = await existingFile(value, 'environment file');
        } else {
          input.environmentImage = value;
        }
      }
      const settings = parseRenderSettings(applyTemplateOption(input, { data: options.data as string | undefined, account: options.account as string | undefined }, environments));
      const json = options.json === true;
      const unit = settings.output === 'dataset' ? 'views' : settings.output === 'stills' ? 'stills' : 'frames';
      const progress = createProgressReporter({ enabled: !json && process.stderr.isTTY === true, unit });
      const started = performance.now();
      let result;
      try {
        result = await renderToDirectory({ modelPath: model, settings, overlays, environments, outputDirectory: String(options.out), onProgress: progress.update });
      } finally {
        progress.stop();
      }
      const wallSeconds = (performance.now() - started) / 1000;
      const sizes: Record<string, number> = Object.fromEntries(
        await Promise.all(Object.entries(result.files).map(async ([name, file]) => [name, (await stat(file)).size] as const)),
      );
      const facts = { model, outputDirectory: String(options.out), settings, sizes, wallSeconds };
      const summary = result.output === 'dataset' ? datasetSummary(result, facts) : result.output === 'stills' ? stillsSummary(result, facts) : videoSummary(result, facts);
      process.stdout.write(json ? `${JSON.stringify(summary.json)}\n` : `${summary.line}\n`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function existingFile(file: string, kind = 'image file'): Promise<string> {
  const resolved = path.resolve(file);
  const facts = await stat(resolved).catch(() => null);
  if (!facts?.isFile()) throw new RenderbayError('file_not_found', `No such ${kind}: ${file}`, 404);
  return resolved;
}

interface SummaryFacts {
  model: string;
  outputDirectory: string;
  settings: RenderSettings;
  /** File sizes in bytes, by output name. */
  sizes: Record<string, number>;
  wallSeconds: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function fileList(files: Record<string, string>, sizes: Record<string, number>): string {
  return Object.entries(files)
    .map(([name, file]) => `${path.basename(file)} ${formatBytes(sizes[name])}`)
    .join(', ');
}

function shownDirectory(file: string): string {
  return path.relative(process.cwd(), path.dirname(file)) || '.';
}

function videoSummary(result: VideoRenderResult, facts: SummaryFacts): { json: object; line: string } {
  const json = {
    ok: true,
    model: path.resolve(facts.model),
    outputDirectory: path.resolve(facts.outputDirectory),
    output: 'video',
    files: result.files,
    bytes: facts.sizes,
    width: result.width,
    height: result.height,
    frames: result.frameCount,
    fps: result.fps,
    durationSeconds: result.durationSeconds,
    wallSeconds: round(facts.wallSeconds),
    msPerFrame: result.timings.msPerFrame,
    timings: result.timings,
    settings: facts.settings,
  };
  const line =
    `Rendered ${path.basename(facts.model)} → ${shownDirectory(result.files.video)}/: ${fileList({ ...result.files }, facts.sizes)} · ` +
    `${result.width}×${result.height}, ${result.frameCount} frames, ${result.durationSeconds.toFixed(1)} s video · ` +
    `${facts.wallSeconds.toFixed(1)} s wall, ${result.timings.msPerFrame} ms/frame`;
  return { json, line };
}

function datasetSummary(result: DatasetRenderResult, facts: SummaryFacts): { json: object; line: string } {
  const { dataset } = result;
  const viewsPerSecond = round(dataset.views / facts.wallSeconds);
  const json = {
    ok: true,
    model: path.resolve(facts.model),
    outputDirectory: path.resolve(facts.outputDirectory),
    output: 'dataset',
    files: result.files,
    bytes: facts.sizes,
    zip: result.files.dataset,
    zipBytes: facts.sizes.dataset,
    datasetQuality: dataset.quality,
    coverage: dataset.coverage,
    views: dataset.views,
    trainViews: dataset.trainViews,
    testViews: dataset.testViews,
    width: result.width,
    height: result.height,
    points: dataset.points,
    scale: dataset.scale,
    wallSeconds: round(facts.wallSeconds),
    viewsPerSecond,
    msPerView: result.timings.msPerFrame,
    timings: result.timings,
    settings: facts.settings,
  };
  const line =
    `Rendered ${path.basename(facts.model)} → ${shownDirectory(result.files.dataset)}/: ${fileList({ ...result.files }, facts.sizes)} · ` +
    `dataset ${dataset.quality}: ${dataset.views} views (${dataset.trainViews} train, ${dataset.testViews} test) of ${result.width}×${result.height}, ` +
    `${dataset.coverage}, ${dataset.points} points · ${facts.wallSeconds.toFixed(1)} s wall, ${viewsPerSecond} views/s`;
  return { json, line };
}

function stillsSummary(result: StillsRenderResult, facts: SummaryFacts): { json: object; line: string } {
  const json = {
    ok: true,
    model: path.resolve(facts.model),
    outputDirectory: path.resolve(facts.outputDirectory),
    output: 'stills',
    files: result.files,
    bytes: facts.sizes,
    stills: result.stills,
    width: result.width,
    height: result.height,
    wallSeconds: round(facts.wallSeconds),
    msPerStill: result.timings.msPerFrame,
    timings: result.timings,
    settings: facts.settings,
  };
  const line =
    `Rendered ${path.basename(facts.model)} → ${shownDirectory(result.files.poster)}/: ${fileList({ ...result.files }, facts.sizes)} · ` +
    `${result.stills.length} stills of ${result.width}×${result.height} · ${facts.wallSeconds.toFixed(1)} s wall, ${result.timings.msPerFrame} ms/still`;
  return { json, line };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
