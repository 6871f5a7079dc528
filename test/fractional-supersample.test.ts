/**
 * The share tier's 1.75× supersampling (render-plan.ts): the scene is rendered at 1.75×
 * the output per axis and each output pixel is the exact area average of the scene
 * pixels its footprint covers, both where a layer resolves in its own pass
 * (post/layer-composite.ts) and where several layers share one resolve
 * (post/supersample-resolve.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as THREE from 'three';
import { ensureDisplay } from '../renderer/display.js';
import { fittingSupersample } from '../renderer/frame-pipeline.js';
import { createGLRenderer, type GLRenderer } from '../renderer/gl/context.js';
import { LayerComposite, supersampledSide } from '../renderer/post/layer-composite.js';
import { SupersampleResolve } from '../renderer/post/supersample-resolve.js';
import { planRender } from '../src/render/render-plan.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';

const SUPERSAMPLE = 1.75;
const OUTPUT = { width: 24, height: 12 };
/** Levels: rounding to 8 bits (0.5) plus llvmpipe's 8-bit bilinear weights (the taps fall between pixels). */
const TOLERANCE = 1.5;
const INPUT = { width: supersampledSide(OUTPUT.width, SUPERSAMPLE), height: supersampledSide(OUTPUT.height, SUPERSAMPLE) };

/** An opaque RGBA pattern with detail at every scale: hard edges, stripes one pixel wide, noise. */
function scenePixels(): Uint8Array<ArrayBuffer> {
  const pixels = new Uint8Array(INPUT.width * INPUT.height * 4);
  let seed = 7;
  for (let y = 0; y < INPUT.height; y++) {
    for (let x = 0; x < INPUT.width; x++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const offset = (y * INPUT.width + x) * 4;
      pixels[offset] = x % 2 === 0 ? 255 : 0;
      pixels[offset + 1] = x < INPUT.width / 2 !== y < INPUT.height / 2 ? 230 : 20;
      pixels[offset + 2] = seed % 256;
      pixels[offset + 3] = 255;
    }
  }
  return pixels;
}

/** Each output pixel as the overlap-weighted mean of the input pixels under its footprint (rows bottom-up, as GL has them). */
function areaAverage(input: Uint8Array): Float64Array {
  const output = new Float64Array(OUTPUT.width * OUTPUT.height * 4);
  const scaleX = INPUT.width / OUTPUT.width;
  const scaleY = INPUT.height / OUTPUT.height;
  for (let y = 0; y < OUTPUT.height; y++) {
    for (let x = 0; x < OUTPUT.width; x++) {
      const [x0, x1, y0, y1] = [x * scaleX, (x + 1) * scaleX, y * scaleY, (y + 1) * scaleY];
      const sum = [0, 0, 0, 0];
      let weights = 0;
      for (let sy = Math.floor(y0); sy < Math.min(INPUT.height, Math.ceil(y1)); sy++) {
        for (let sx = Math.floor(x0); sx < Math.min(INPUT.width, Math.ceil(x1)); sx++) {
          const weight = (Math.min(x1, sx + 1) - Math.max(x0, sx)) * (Math.min(y1, sy + 1) - Math.max(y0, sy));
          for (let channel = 0; channel < 4; channel++) sum[channel] += weight * input[(sy * INPUT.width + sx) * 4 + channel];
          weights += weight;
        }
      }
      for (let channel = 0; channel < 4; channel++) output[(y * OUTPUT.width + x) * 4 + channel] = sum[channel] / weights;
    }
  }
  return output;
}

function largestDeviation(actual: Uint8Array, expected: Float64Array): number {
  let worst = 0;
  for (let index = 0; index < actual.length; index++) worst = Math.max(worst, Math.abs(actual[index] - expected[index]));
  return worst;
}

describe('fractional (1.75×) supersampling', () => {
  let gl: GLRenderer;
  let scene: THREE.DataTexture;
  let output: THREE.WebGLRenderTarget;
  const input = scenePixels();
  const expected = areaAverage(input);

  before(async () => {
    process.env.DISPLAY = await ensureDisplay();
    gl = createGLRenderer();
    scene = new THREE.DataTexture(input, INPUT.width, INPUT.height, THREE.RGBAFormat, THREE.UnsignedByteType);
    scene.minFilter = THREE.LinearFilter; // as the scene target is sampled
    scene.magFilter = THREE.LinearFilter;
    scene.needsUpdate = true;
    output = new THREE.WebGLRenderTarget(OUTPUT.width, OUTPUT.height, { type: THREE.UnsignedByteType, depthBuffer: false, generateMipmaps: false });
  });

  after(() => {
    output?.dispose();
    scene?.dispose();
    gl?.dispose();
  });

  function read(target: THREE.WebGLRenderTarget): Uint8Array {
    const pixels = new Uint8Array(OUTPUT.width * OUTPUT.height * 4);
    gl.renderer.readRenderTargetPixels(target, 0, 0, OUTPUT.width, OUTPUT.height, pixels);
    return pixels;
  }

  test('the share tier renders 1.75× supersampled, other tiers 2×, within the GL limits', () => {
    const plan = (quality: 'share' | 'standard') => planRender(parseRenderSettings({ quality }), 'model.glb', '/nonexistent');
    assert.equal(plan('share').antialiasing, 'ssaa1.75');
    assert.equal(plan('standard').antialiasing, 'ssaa2');
    assert.equal(fittingSupersample(SUPERSAMPLE, 960, 540, 16384), SUPERSAMPLE);
    assert.equal(fittingSupersample(SUPERSAMPLE, 960, 540, 1024), 1, '960×1.75 = 1680 does not fit 1024');
  });

  test('a layer resolving in its own pass averages each footprint by area (within 1.5 levels)', () => {
    const layer = new LayerComposite({
      inputWidth: INPUT.width,
      inputHeight: INPUT.height,
      supersample: SUPERSAMPLE,
      backgroundColour: '#000000',
      backgroundImage: null,
      vignette: 0,
      foreground: null,
      keepAlpha: false,
    });
    try {
      layer.render(gl.renderer, scene, output);
      const pixels = read(output);
      assert.ok(largestDeviation(pixels, expected) <= TOLERANCE, `largest deviation ${largestDeviation(pixels, expected).toFixed(2)} levels`);
      // Not a point sample: the one-pixel stripes average to grey rather than alias to black or white.
      const red = Array.from({ length: OUTPUT.width }, (_, x) => pixels[x * 4]);
      assert.ok(red.every((value) => value > 60 && value < 200), `red along a row: ${red.join(' ')}`);
    } finally {
      layer.dispose();
    }
  });

  test('the shared once-per-frame resolve gives the same area average', () => {
    const resolve = new SupersampleResolve(OUTPUT.width, OUTPUT.height, SUPERSAMPLE);
    try {
      resolve.render(gl.renderer, scene);
      const pixels = read(resolve.target);
      assert.ok(largestDeviation(pixels, expected) <= TOLERANCE, `largest deviation ${largestDeviation(pixels, expected).toFixed(2)} levels`);
    } finally {
      resolve.dispose();
    }
  });
});
