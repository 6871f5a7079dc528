/**
 * Anti-aliasing comparison: for each technique, render time per frame and the error
 * against a 4×4-supersampled reference (16 samples per pixel), over edge pixels (where
 * aliasing shows) and over the whole frame. "At least 2× supersampling quality" means
 * an edge error no larger than ssaa2's.
 *
 *   npm run bench -- aa [model …]
 */
import { existsSync } from 'node:fs';
import { ensureDisplay } from '../renderer/display.js';
import { Studio } from '../renderer/studio.js';
import { planRender, type Antialiasing } from '../src/render/render-plan.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';

const TECHNIQUES: Antialiasing[] = ['none', 'fxaa', 'smaa', 'ssaa2'];
const REFERENCE: Antialiasing = 'ssaa4';
const FRAMES = [7, 23, 61];
const TIMED_FRAMES = 12;

export const DEFAULT_AA_MODELS = [
  '../shared/assets/models/DamagedHelmet/glTF-Binary/DamagedHelmet.glb',
  'fixtures/sample/Suzanne.glb',
  'fixtures/generated/textured-cube.glb',
  'fixtures/generated/wide.glb',
].filter((model) => existsSync(model));

interface Measured {
  frames: Uint8Array[];
  msPerFrame: number;
}

async function measure(modelPath: string, antialiasing: Antialiasing, timed: boolean): Promise<Measured> {
  const plan = planRender(parseRenderSettings({ quality: 'share', rotateY: 20 }), modelPath, '/nonexistent', { antialiasing });
  const studio = await Studio.open(plan);
  try {
    const frames = FRAMES.map((index) => studio.frame(index));
    let msPerFrame = Number.NaN;
    if (timed) {
      const started = performance.now();
      for (let index = 0; index < TIMED_FRAMES; index++) studio.frame(index * 7);
      msPerFrame = (performance.now() - started) / TIMED_FRAMES;
    }
    return { frames, msPerFrame };
  } finally {
    studio.dispose();
  }
}

/** Pixels whose 3×3 neighbourhood in the reference spans more than 24 levels: edges and fine detail. */
function edgeMask(reference: Uint8Array, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      let low = 255;
      let high = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const offset = ((y + dy) * width + x + dx) * 4;
          const luma = 0.2126 * reference[offset] + 0.7152 * reference[offset + 1] + 0.0722 * reference[offset + 2];
          low = Math.min(low, luma);
          high = Math.max(high, luma);
        }
      }
      if (high - low > 24) mask[y * width + x] = 1;
    }
  }
  return mask;
}

function errors(candidate: Uint8Array, reference: Uint8Array, mask: Uint8Array): { edge: number; all: number } {
  let edgeSum = 0;
  let edgeCount = 0;
  let allSum = 0;
  for (let pixel = 0; pixel < mask.length; pixel++) {
    let difference = 0;
    for (let channel = 0; channel < 3; channel++) difference += Math.abs(candidate[pixel * 4 + channel] - reference[pixel * 4 + channel]);
    allSum += difference / 3;
    if (mask[pixel]) {
      edgeSum += difference / 3;
      edgeCount++;
    }
  }
  return { edge: edgeSum / Math.max(1, edgeCount), all: allSum / mask.length };
}

export async function runAntialiasingComparison(models: string[]): Promise<void> {
  process.env.DISPLAY = await ensureDisplay();
  console.log(`Anti-aliasing vs a 4×4 supersampled reference, 960×540, frames ${FRAMES.join(', ')}; error = mean |Δ| in 8-bit levels`);
  for (const model of models) {
    const reference = await measure(model, REFERENCE, false);
    const { width, height } = planRender(parseRenderSettings({}), model, '/nonexistent');
    const masks = reference.frames.map((frame) => edgeMask(frame, width, height));
    console.log(`\n${model}`);
    console.log('technique  ms/frame  edge error  frame error');
    for (const technique of TECHNIQUES) {
      const result = await measure(model, technique, true);
      const perFrame = result.frames.map((frame, index) => errors(frame, reference.frames[index], masks[index]));
      const edge = perFrame.reduce((sum, value) => sum + value.edge, 0) / perFrame.length;
      const all = perFrame.reduce((sum, value) => sum + value.all, 0) / perFrame.length;
      console.log(`${technique.padEnd(9)} ${result.msPerFrame.toFixed(1).padStart(9)} ${edge.toFixed(2).padStart(11)} ${all.toFixed(3).padStart(12)}`);
    }
  }
}
