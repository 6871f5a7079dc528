/**
 * A reflective floor that keeps the background transparent.
 *
 * three's Reflector draws an opaque mirror (and needs half-float targets), so instead the
 * model is drawn mirrored below the ground plane, then a floor-sized quad multiplies the
 * target by a radial fade (strongest at the model, gone at the edge). The result stays
 * premultiplied RGBA, so the reflection composites over any background colour or image.
 */
import * as THREE from 'three';

export interface ReflectiveFloorOptions {
  /** Reflection strength right under the model (0–1). */
  strength: number;
  /** Radius, in multiples of the model radius, where the reflection has faded out. */
  fadeRadius: number;
}

export const REFLECTIVE_FLOOR_DEFAULTS: ReflectiveFloorOptions = { strength: 0.4, fadeRadius: 1.6 };

export class ReflectiveFloor {
  /** Rendered first each frame, into a cleared target; its depth is cleared before the main scene. */
  readonly scene = new THREE.Scene();
  private readonly fadeTexture: THREE.DataTexture;
  private readonly fadePlane: THREE.Mesh;
  /** The model's mirror image below the floor (a clone, so it must be told about scale changes). */
  private readonly mirrored: THREE.Object3D;

  constructor(model: THREE.Object3D, modelRadius: number, environment: THREE.Texture, lights: THREE.Object3D[], options: Partial<ReflectiveFloorOptions> = {}) {
    const { strength, fadeRadius } = { ...REFLECTIVE_FLOOR_DEFAULTS, ...options };
    this.mirrored = model.clone(true);
    const mirrored = this.mirrored;
    mirrored.scale.y *= -1; // three flips the front face for negative-determinant transforms
    mirrored.position.y *= -1;
    this.scene.environment = environment;
    this.scene.add(mirrored, ...lights.map((light) => light.clone()));

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

  /**
   * Scales the mirror image like the model (reveal), which must have been given to the
   * constructor as a group at the origin so the scale is about its base on the floor.
   */
  setModelScale(scale: number): void {
    this.mirrored.scale.set(scale, -scale, scale);
    this.mirrored.visible = scale > 0;
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
