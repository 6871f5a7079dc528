/**
 * Image quality properties that are easy to lose: sRGB textures must keep all 256 levels
 * (three's CPU fallback on WebGL 1 keeps ~166), and edges must be anti-aliased to
 * supersampling quality.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as THREE from 'three';
import { FullScreenQuad } from '../renderer/post/fullscreen-quad.js';
import { ensureDisplay } from '../renderer/display.js';
import { createDisplayReferredTarget, createGLRenderer } from '../renderer/gl/context.js';
import { decodeSrgbTexturesInShader } from '../renderer/load/srgb-textures.js';
import { renderStill } from './helpers/studio.js';

describe('image quality', () => {
  test('an sRGB texture passes through decode → linear → encode with all 256 levels intact', async () => {
    process.env.DISPLAY = await ensureDisplay();
    const gl = createGLRenderer();
    try {
      // A 256×1 ramp of every 8-bit level, shown unlit and without tone mapping.
      const ramp = new Uint8Array(256 * 4);
      for (let level = 0; level < 256; level++) ramp.set([level, level, level, 255], level * 4);
      const texture = new THREE.DataTexture(ramp, 256, 1);
      texture.colorSpace = THREE.SRGBColorSpace;
      texture.magFilter = THREE.NearestFilter;
      texture.minFilter = THREE.NearestFilter;
      texture.needsUpdate = true;
      const material = new THREE.MeshBasicMaterial({ map: texture, toneMapped: false });
      decodeSrgbTexturesInShader(material);
      const target = createDisplayReferredTarget(256, 1);
      gl.renderer.setRenderTarget(target);
      const quad = new FullScreenQuad(material);
      quad.render(gl.renderer);
      const pixels = new Uint8Array(256 * 4);
      gl.renderer.readRenderTargetPixels(target, 0, 0, 256, 1, pixels);
      const levels = new Set<number>();
      let worst = 0;
      for (let level = 0; level < 256; level++) {
        levels.add(pixels[level * 4]);
        worst = Math.max(worst, Math.abs(pixels[level * 4] - level));
      }
      assert.ok(levels.size >= 250, `distinct output levels: ${levels.size}`);
      assert.ok(worst <= 1, `largest deviation: ${worst} levels`);
    } finally {
      gl.dispose();
    }
  });

  test('edges are anti-aliased like 2× supersampling (error vs a 4×4 supersampled reference)', async () => {
    const model = 'fixtures/generated/wide.glb';
    const settings = { shadows: false, rotateY: 20 };
    const [reference, candidate, aliased] = await Promise.all([
      renderStill(model, { settings, antialiasing: 'ssaa4' }),
      renderStill(model, { settings }),
      renderStill(model, { settings, antialiasing: 'none' }),
    ]);
    const edgeError = (image: typeof reference) => {
      let sum = 0;
      let count = 0;
      for (let pixel = 0; pixel < image.width * image.height; pixel++) {
        const offset = pixel * 4;
        const difference = Math.abs(image.data[offset + 1] - reference.data[offset + 1]);
        const aliasedDifference = Math.abs(aliased.data[offset + 1] - reference.data[offset + 1]);
        if (aliasedDifference === 0 && difference === 0) continue;
        sum += difference;
        count++;
      }
      return sum / Math.max(1, count);
    };
    const defaultError = edgeError(candidate);
    const aliasedError = edgeError(aliased);
    assert.ok(defaultError < aliasedError * 0.6, `default ${defaultError.toFixed(2)} vs no anti-aliasing ${aliasedError.toFixed(2)}`);
  });
});
