/**
 * The shortcuts that make a share frame cheaper change no pixel a user could see:
 * the depth pre-pass (scene/depth-prepass.ts) gives the very same frame as shading
 * without it, also with a cut-out and a see-through surface in the model; the shadow
 * planes cropped to their shadowed texels (scene/shadow-footprint.ts) darken the same
 * ground as the whole planes did, within one level.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as THREE from 'three';
import { ensureDisplay } from '../renderer/display.js';
import type { DepthPass, ReflectionPass } from '../renderer/frame-pipeline.js';
import { nonZeroAlphaBounds, planeOverTexels } from '../renderer/scene/shadow-footprint.js';
import { Studio } from '../renderer/studio.js';
import { planRender } from '../src/render/render-plan.js';
import { parseRenderSettings } from '../src/settings/render-settings.js';

const SUZANNE = 'fixtures/sample/Suzanne.glb';
const SIZE = 160;

/** What the test reaches inside a Studio: its pipeline and scene, to render one frame with and without a shortcut. */
interface StudioInternals {
  pipeline: { renderScene(scene: THREE.Scene, camera: THREE.Camera, reflection: ReflectionPass | null, depth?: DepthPass | null): void };
  scene: THREE.Scene;
  camera: THREE.Camera;
  floor: ReflectionPass | null;
  scaledModel: THREE.Group;
}

async function openStudio(lighting: string): Promise<{ studio: Studio; internals: StudioInternals }> {
  process.env.DISPLAY = await ensureDisplay();
  const plan = planRender(parseRenderSettings({ aspect: '1:1', lighting }), SUZANNE, '/nonexistent');
  plan.width = SIZE;
  plan.height = SIZE;
  const studio = await Studio.open(plan);
  return { studio, internals: studio as unknown as StudioInternals };
}

/** Frame `index` rendered without the depth pre-pass (the camera placed by a normal frame first). */
function frameWithoutPrepass(studio: Studio, internals: StudioInternals, index: number): Uint8Array {
  studio.renderScene(index);
  internals.pipeline.renderScene(internals.scene, internals.camera, internals.floor, null);
  return studio.composite(0);
}

function differingBytes(a: Uint8Array, b: Uint8Array): { count: number; max: number } {
  let count = 0;
  let max = 0;
  for (let index = 0; index < a.length; index++) {
    const difference = Math.abs(a[index] - b[index]);
    if (difference) count++;
    max = Math.max(max, difference);
  }
  return { count, max };
}

describe('frame shortcuts', () => {
  test('the depth pre-pass changes no pixel, with an alpha-tested and a transparent surface in front of the model', async () => {
    const { studio, internals } = await openStudio('golden-hour');
    try {
      // A cut-out (alpha-tested stripes) and a see-through sphere, both part of the model: the pre-pass must leave them out.
      const stripes = new Uint8Array(8 * 8 * 4).map((_, index) => (index % 4 === 3 ? ((index >> 2) % 8 < 4 ? 255 : 0) : 200));
      const cutOutTexture = new THREE.DataTexture(stripes, 8, 8);
      cutOutTexture.needsUpdate = true;
      const cutOut = new THREE.Mesh(new THREE.PlaneGeometry(1.2, 1.2), new THREE.MeshStandardMaterial({ map: cutOutTexture, alphaTest: 0.5, side: THREE.DoubleSide }));
      cutOut.position.set(0, 0.9, 0.9);
      const glass = new THREE.Mesh(new THREE.SphereGeometry(0.35, 16, 12), new THREE.MeshStandardMaterial({ color: 0x3366ff, transparent: true, opacity: 0.4 }));
      glass.position.set(0.4, 0.9, 1.1);
      internals.scaledModel.children[0].add(cutOut, glass);
      for (const index of [0, 40, 100]) {
        const withPrepass = studio.frame(index).slice();
        const without = frameWithoutPrepass(studio, internals, index);
        assert.deepEqual(differingBytes(withPrepass, without), { count: 0, max: 0 }, `frame ${index}`);
      }
      cutOutTexture.dispose();
    } finally {
      studio.dispose();
    }
  });

  test('the cropped cast and contact shadow planes darken the ground as the whole planes did (within one level)', async () => {
    const { studio, internals } = await openStudio('golden-hour');
    try {
      const cropped = studio.frame(0).slice();
      // Put the whole planes back (same material, same texture) and render the same frame.
      for (const [name, rotation] of [['renderbay:cast-shadow', -Math.PI / 2], ['renderbay:contact-shadow', Math.PI / 2]] as const) {
        const plane = internals.scene.getObjectByName(name) as THREE.Mesh;
        const owner = name === 'renderbay:cast-shadow' ? 'castShadow' : 'shadow';
        const fullSide = (studio as unknown as Record<string, { side: number }>)[owner].side;
        plane.geometry = new THREE.PlaneGeometry(fullSide, fullSide).rotateX(rotation);
      }
      const whole = studio.frame(0);
      const { max } = differingBytes(cropped, whole);
      assert.ok(max <= 1, `largest difference ${max} levels`);
      // And the shadow is there: the ground under the model is darker than the background corner.
      let darker = 0;
      for (let offset = 0; offset < whole.length; offset += 4) if (whole[offset] < whole[0] - 20) darker++;
      assert.ok(darker > SIZE * 4, `a shadow darkens the ground (${darker} pixels)`);
    } finally {
      studio.dispose();
    }
  });

  test('the crop keeps every non-zero texel and one texel of filtering around it, at the whole plane\'s UVs', () => {
    const resolution = 16;
    const alpha = new Uint8Array(resolution * resolution * 4);
    const set = (x: number, y: number) => (alpha[(y * resolution + x) * 4 + 3] = 1);
    set(5, 3);
    set(9, 7);
    assert.deepEqual(nonZeroAlphaBounds(alpha, resolution), { x0: 4, y0: 2, x1: 10, y1: 8 });
    set(0, 15);
    assert.deepEqual(nonZeroAlphaBounds(alpha, resolution), { x0: 0, y0: 2, x1: 10, y1: 15 });
    assert.equal(nonZeroAlphaBounds(new Float32Array(resolution * resolution * 4), resolution), null);

    // Every vertex of the crop has the UV the whole plane has at that point.
    const side = 8;
    const crop = planeOverTexels(side, resolution, { x0: 4, y0: 2, x1: 10, y1: 8 });
    const position = crop.getAttribute('position');
    const uv = crop.getAttribute('uv');
    for (let index = 0; index < position.count; index++) {
      assert.ok(Math.abs(uv.getX(index) - (position.getX(index) / side + 0.5)) < 1e-6);
      assert.ok(Math.abs(uv.getY(index) - (position.getY(index) / side + 0.5)) < 1e-6);
    }
    crop.computeBoundingBox();
    assert.ok(Math.abs(crop.boundingBox!.min.x - (4 / resolution - 0.5) * side) < 1e-6);
    assert.ok(Math.abs(crop.boundingBox!.max.y - (9 / resolution - 0.5) * side) < 1e-6);
  });
});
