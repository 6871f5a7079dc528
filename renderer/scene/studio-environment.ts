/**
 * The neutral studio look: a prefiltered (PMREM) environment of three's RoomEnvironment,
 * computed once per render, plus a key light. The environment supplies soft, even
 * reflections and fill; the key light gives shape and a readable highlight.
 *
 * headless-gl has no half-float render targets (framebuffer incomplete → black), so the
 * PMREM targets are switched to FloatType before they are first used, and the cube pass's
 * depth buffer is cleared once (PMREM renders it with autoClear off).
 */
import * as THREE from 'three';
import { RoomEnvironment } from 'three/examples/jsm/environments/RoomEnvironment.js';

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
  environment: THREE.Texture;
  keyLight: THREE.DirectionalLight;
  dispose(): void;
}

/** Key light direction: upper front-left of the camera's start position, like a product softbox. */
const KEY_LIGHT_DIRECTION = new THREE.Vector3(-0.6, 1.0, 0.8).normalize();
const KEY_LIGHT_INTENSITY = 1.6;
const ENVIRONMENT_BLUR_SIGMA = 0.04;

export function createStudioLighting(renderer: THREE.WebGLRenderer, modelRadius: number): StudioLighting {
  const generator = new FloatPMREMGenerator(renderer);
  const room = new RoomEnvironment(renderer);
  const environmentTarget = generator.fromScene(room, ENVIRONMENT_BLUR_SIGMA);
  room.dispose();
  generator.dispose();

  const keyLight = new THREE.DirectionalLight(0xffffff, KEY_LIGHT_INTENSITY);
  keyLight.position.copy(KEY_LIGHT_DIRECTION).multiplyScalar(modelRadius * 4);
  keyLight.target.position.set(0, 0, 0);
  return {
    environment: environmentTarget.texture,
    keyLight,
    dispose() {
      environmentTarget.dispose();
    },
  };
}
