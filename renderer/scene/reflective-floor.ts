/**
 * A reflective floor that keeps the background transparent.
 *
 * three's Reflector draws an opaque mirror (and needs half-float targets), so instead the
 * model is drawn mirrored below the ground plane, then a floor-sized quad multiplies the
 * target by a radial fade (strongest at the model, gone at the edge). The result stays
 * premultiplied RGBA, so the reflection composites over any background colour or image.
 *
 * The mirror image is the live model itself, lent to a Y-flipping group for the reflection
 * pass and returned before the main pass: a copy would not follow the animation mixer,
 * which drives only the original's node transforms and morph weights.
 */
import * as THREE from 'three';
import type { ReflectionPass } from '../frame-pipeline.js';

export interface ReflectiveFloorOptions {
  /** Reflection strength right under the model (0–1). */
  strength: number;
  /** Radius, in multiples of the model radius, where the reflection has faded out. */
  fadeRadius: number;
}

export const REFLECTIVE_FLOOR_DEFAULTS: ReflectiveFloorOptions = { strength: 0.4, fadeRadius: 1.6 };

export class ReflectiveFloor implements ReflectionPass {
  /** The fade plane, the lights and (only while `render` or `compile` runs) the mirrored live model. */
  private readonly scene = new THREE.Scene();
  private readonly fadeTexture: THREE.DataTexture;
  private readonly fadePlane: THREE.Mesh;
  /** Mirrors whatever it holds in the floor (y = 0); holds the live model during the reflection pass. */
  private readonly mirror = new THREE.Group();

  /**
   * @param model the live model, a direct child of a scene at the origin: its reflection is
   * the model itself, drawn under `mirror`, so it shows the model's current pose and scale
   * (an animation, a reveal) in every frame.
   */
  constructor(
    private readonly model: THREE.Object3D,
    modelRadius: number,
    environment: THREE.Texture,
    lights: THREE.Object3D[],
    options: Partial<ReflectiveFloorOptions> = {},
  ) {
    const { strength, fadeRadius } = { ...REFLECTIVE_FLOOR_DEFAULTS, ...options };
    this.mirror.name = 'renderbay:reflection-mirror';
    this.mirror.scale.y = -1; // three flips the front face for negative-determinant transforms
    this.scene.environment = environment;
    this.scene.matrixWorldAutoUpdate = false; // withModelMirrored updates it once the model is in place
    this.scene.add(this.mirror, ...lights.map((light) => light.clone()));

    this.fadeTexture = radialFadeTexture(128, strength);
    // The plane is 8× the fade circle so that everything around it is multiplied by zero:
    // the texture covers the central eighth and its clamped (zero) edge covers the rest.
    const size = modelRadius * fadeRadius * 2 * 8;
    this.fadeTexture.repeat.set(8, 8);
    this.fadeTexture.offset.set(-3.5, -3.5);
    this.fadePlane = new THREE.Mesh(
      new THREE.PlaneGeometry(size, size).rotateX(-Math.PI / 2),
      new THREE.MeshBasicMaterial({
        alphaMap: this.fadeTexture,
        transparent: true,
        depthTest: false,
        depthWrite: false,
        toneMapped: false,
        blending: THREE.CustomBlending,
        blendEquation: THREE.AddEquation,
        blendSrc: THREE.ZeroFactor,
        blendDst: THREE.SrcAlphaFactor,
        blendSrcAlpha: THREE.ZeroFactor,
        blendDstAlpha: THREE.SrcAlphaFactor,
      }),
    );
    this.fadePlane.renderOrder = 10;
    this.scene.add(this.fadePlane);
  }

  /** Draws the mirrored model, faded towards the edge, into the current render target. */
  render(renderer: THREE.WebGLRenderer, camera: THREE.Camera): void {
    this.withModelMirrored(() => renderer.render(this.scene, camera));
  }

  /** Compiles the reflection pass's shaders (the mirrored model's and the fade plane's). */
  compile(renderer: THREE.WebGLRenderer, camera: THREE.Camera): void {
    this.withModelMirrored(() => renderer.compile(this.scene, camera));
  }

  /**
   * Lends the live model to `mirror` for `draw` (an Object3D has one parent), then puts it
   * back at its place among its parent's children. World matrices are recomputed after each
   * move, so the pass sees the mirrored model and everything after it the model as it was.
   */
  private withModelMirrored(draw: () => void): void {
    const { model } = this;
    const parent = model.parent;
    const index = parent ? parent.children.indexOf(model) : -1;
    this.mirror.add(model);
    try {
      this.scene.updateMatrixWorld(true);
      draw();
    } finally {
      this.mirror.remove(model);
      if (parent) {
        parent.add(model);
        const children = parent.children;
        children.splice(children.lastIndexOf(model), 1);
        children.splice(index, 0, model);
      }
      model.updateMatrixWorld(true);
    }
  }

  dispose(): void {
    this.fadeTexture.dispose();
    this.fadePlane.geometry.dispose();
    (this.fadePlane.material as THREE.Material).dispose();
  }
}

/** Alpha (green channel, as three's alphaMap reads it) = strength × a smooth falloff reaching 0 at the texture's edge. */
function radialFadeTexture(size: number, strength: number): THREE.DataTexture {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = ((x + 0.5) / size) * 2 - 1;
      const v = ((y + 0.5) / size) * 2 - 1;
      const r = Math.hypot(u, v);
      const falloff = r >= 1 ? 0 : (1 - r) * (1 - r);
      const value = Math.round(255 * strength * falloff);
      data.set([value, value, value, 255], (y * size + x) * 4);
    }
  }
  const texture = new THREE.DataTexture(data, size, size);
  texture.magFilter = THREE.LinearFilter;
  texture.minFilter = THREE.LinearFilter;
  texture.wrapS = THREE.ClampToEdgeWrapping;
  texture.wrapT = THREE.ClampToEdgeWrapping;
  texture.needsUpdate = true;
  return texture;
}
