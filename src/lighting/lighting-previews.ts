/**
 * The lighting presets as GET /lighting lists them, each with a small preview: the CC0
 * Suzanne shipped in fixtures/sample rendered under the preset, once per data directory
 * (cached under <data>/lighting-previews/, keyed by the preset's definition, so a changed
 * preset renders anew). Concurrent requests for one preview share one render.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { renderToDirectory } from '../render/render-engine.js';
import { LIGHTING_PRESET_NAMES, LIGHTING_PRESETS, type LightingPresetName } from '../settings/lighting-settings.js';
import { parseRenderSettings } from '../settings/render-settings.js';

/** CC0 (Blender Foundation), see fixtures/sample/LICENSE.txt. */
const REFERENCE_MODEL = fileURLToPath(new URL('../../../fixtures/sample/Suzanne.glb', import.meta.url));

export interface LightingPresetListing {
  name: LightingPresetName;
  label: string;
  description: string;
  environmentImage: string;
  environmentRotation: number;
  environmentIntensity: number;
  exposure: number;
  keyLight: { azimuth: number; elevation: number; color: string; intensity: number; softness: number };
  shadowIntensity: number;
  /** A 1:1 poster thumbnail of the reference model under this preset (rendered on first request). */
  preview: string;
}

export function listLightingPresets(): LightingPresetListing[] {
  return LIGHTING_PRESET_NAMES.map((name) => {
    const { label, description, environment, rotation, environmentIntensity, exposure, keyLight, shadowIntensity } = LIGHTING_PRESETS[name];
    return {
      name,
      label,
      description,
      environmentImage: environment,
      environmentRotation: rotation,
      environmentIntensity,
      exposure,
      keyLight: { ...keyLight },
      shadowIntensity,
      preview: `/v1/lighting/${name}/preview.png`,
    };
  });
}

const pending = new Map<string, Promise<string>>();

/** The cached preview PNG of a preset, rendering it first if needed; `lighting_not_found` for an unknown name. */
export function lightingPreview(context: Pick<AppContext, 'config' | 'store'>, name: unknown): Promise<string> {
  if (typeof name !== 'string' || !(LIGHTING_PRESET_NAMES as string[]).includes(name)) {
    throw new RenderbayError('lighting_not_found', `No lighting preset ${String(name)}; presets: ${LIGHTING_PRESET_NAMES.join(', ')}`, 404);
  }
  const version = createHash('sha256').update(JSON.stringify(LIGHTING_PRESETS[name as LightingPresetName])).digest('hex').slice(0, 12);
  const file = path.join(context.config.dataDirectory, 'lighting-previews', `${name}-${version}.png`);
  let preview = pending.get(file);
  if (!preview) {
    preview = ensurePreview(context, name, file).finally(() => pending.delete(file));
    pending.set(file, preview);
  }
  return preview;
}

async function ensurePreview(context: Pick<AppContext, 'store'>, name: string, file: string): Promise<string> {
  if (await stat(file).catch(() => null)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  const work = await mkdtemp(path.join(context.store.tempDirectory, 'lighting-preview-'));
  try {
    // One frame of a share-tier 1:1 video: its poster thumbnail is the preview.
    const settings = parseRenderSettings({ lighting: name, aspect: '1:1', length: 3, rotateY: 20 });
    const result = await renderToDirectory({ modelPath: REFERENCE_MODEL, settings, outputDirectory: work, frameLimit: 1 });
    const thumb = (result.files as unknown as Record<string, string>).posterThumb;
    const partial = `${file}.${process.pid}.partial`;
    await copyFile(thumb, partial);
    await rename(partial, file); // atomic: a reader never sees half a PNG
    return file;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
