/**
 * The studio lighting: a prefiltered (PMREM) environment — three's RoomEnvironment (the
 * neutral look) or an HDR panorama — computed once per render, plus, unless the
 * environment alone lights the scene, a key light that gives shape and a highlight.
 *
 * headless-gl has no half-float render targets (framebuffer incomplete → black), so the
 * PMREM targets are switched to FloatType before they are first used, and the cube pass's
 * depth buffer is cleared once (PMREM renders it with autoClear off).
 */
import * as THREE from 'three';
import { RoomEnvironment } from 'three/examples/jsm/environments/RoomEnvironment.js';
import type { LightingPlan } from '../../src/render/lighting-plan.js';
import type { ToneMapping } from '../../src/settings/lighting-settings.js';

interface PMREMInternals {
  _allocateTargets(): THREE.WebGLRenderTarget;
  _sceneToCubeUV(scene: THREE.Scene, near: number, far: number, target: THREE.WebGLRenderTarget): void;
  _pingPongRenderTarget: THREE.WebGLRenderTarget | null;
  _renderer: THREE.WebGLRenderer;
}

/** PMREMGenerator that allocates FloatType targets (WebGL 1 without half-float support). */
class FloatPMREMGenerator extends THREE.PMREMGenerator {
  constructor(renderer: THREE.WebGLRenderer) {
    super(renderer);
    const self = this as unknown as PMREMInternals;
    const allocateTargets = self._allocateTargets.bind(this);
    self._allocateTargets = () => {
      const target = allocateTargets();
      target.texture.type = THREE.FloatType;
      if (self._pingPongRenderTarget) self._pingPongRenderTarget.texture.type = THREE.FloatType;
      return target;
    };
    const sceneToCubeUV = self._sceneToCubeUV.bind(this);
    self._sceneToCubeUV = (scene, near, far, target) => {
      self._renderer.setRenderTarget(target);
      self._renderer.clear(true, true, false);
      sceneToCubeUV(scene, near, far, target);
    };
  }
}

export interface StudioLighting {
  /** The prefiltered (PMREM) environment: scene.environment, and the skybox when there is one. */
  environment: THREE.Texture;
  /** Null when the environment alone lights the scene. */
  keyLight: THREE.DirectionalLight | null;
  dispose(): void;
}

const ENVIRONMENT_BLUR_SIGMA = 0.04;

/**
 * The environment (prefiltered once per render) and the key light of a lighting plan.
 * `image` is the decoded panorama (environment-image.ts), or null for the neutral room.
 */
export function createStudioLighting(renderer: THREE.WebGLRenderer, modelRadius: number, plan: LightingPlan, image: THREE.Texture | null): StudioLighting {
  const generator = new FloatPMREMGenerator(renderer);
  let environmentTarget: THREE.WebGLRenderTarget;
  if (image) {
    environmentTarget = generator.fromEquirectangular(image);
  } else {
    const room = new RoomEnvironment(renderer);
    environmentTarget = generator.fromScene(room, ENVIRONMENT_BLUR_SIGMA);
    room.dispose();
  }
  generator.dispose();

  let keyLight: THREE.DirectionalLight | null = null;
  if (plan.keyLight) {
    keyLight = new THREE.DirectionalLight(new THREE.Color(plan.keyLight.color), plan.keyLight.intensity);
    keyLight.position.fromArray(plan.keyLight.direction).multiplyScalar(modelRadius * 4);
    keyLight.target.position.set(0, 0, 0);
  }
  return {
    environment: environmentTarget.texture,
    keyLight,
    dispose() {
      environmentTarget.dispose();
    },
  };
}

const TONE_MAPPING: Record<ToneMapping, THREE.ToneMapping> = {
  aces: THREE.ACESFilmicToneMapping,
  neutral: THREE.NeutralToneMapping,
  agx: THREE.AgXToneMapping,
  linear: THREE.LinearToneMapping,
};

/**
 * Applies the plan's environment to a scene: rotation, intensity (per material: three
 * 0.162 has no scene-wide environment intensity), skybox, and the renderer's exposure
 * and tone mapping.
 */
export function applyLighting(renderer: THREE.WebGLRenderer, scene: THREE.Scene, lighting: StudioLighting, plan: LightingPlan): void {
  renderer.toneMapping = TONE_MAPPING[plan.toneMapping];
  renderer.toneMappingExposure = plan.exposure;
  scene.environment = lighting.environment;
  const rotation = (plan.environmentRotationDegrees * Math.PI) / 180;
  scene.environmentRotation.set(0, rotation, 0);
  scene.backgroundRotation.set(0, rotation, 0);
  if (plan.environmentIntensity !== 1) {
    scene.traverse((object) => {
      const material = (object as THREE.Mesh).material as THREE.Material | THREE.Material[] | undefined;
      for (const each of Array.isArray(material) ? material : material ? [material] : []) {
        if ('envMapIntensity' in each) (each as THREE.MeshStandardMaterial).envMapIntensity *= plan.environmentIntensity;
      }
    });
  }
  if (plan.skybox) {
    scene.background = lighting.environment;
    scene.backgroundBlurriness = plan.skybox.blur;
    scene.backgroundIntensity = plan.environmentIntensity;
  }
}
