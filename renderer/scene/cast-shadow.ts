/**
 * The key light's soft shadow on the ground, by shadow accumulation: the model's shadow
 * is rendered many times from light directions jittered over a cone (the size of the
 * light: `softness`), each time onto a ground plane seen from straight above, and the
 * results are averaged into one float texture. Penumbrae then widen with the distance
 * from the occluder, as a real area light's do. While only the camera moves the bake is
 * done once per render and each frame costs one textured quad (no shadow map lookups).
 *
 * three renders into a shadow map only what the rendering camera's layers see, so the
 * bake camera sees the model too: during the bake the model writes no colour and every
 * other mesh of the scene is hidden, leaving the ground's shadow term alone in the target.
 * Cost: about 1 s of setup on 2 loaded cores for DamagedHelmet (32 samples).
 */
import * as THREE from 'three';
import { cropPlaneToShadow } from './shadow-footprint.js';

export interface CastShadowOptions {
  /** Light direction (towards the light), world space. */
  direction: THREE.Vector3;
  /** 0 (hard, point-like light) to 1 (very soft: a light about 30° across). */
  softness: number;
  /** Opacity of a fully shadowed point, 0–1. */
  intensity: number;
  /** Shadow samples to accumulate (32: smooth penumbrae; the bake is part of setup). */
  samples: number;
  /** Side of the accumulation texture (square). */
  resolution: number;
}

export const CAST_SHADOW_DEFAULTS = { samples: 32, resolution: 256 } as const;

/** Half-angle of the light at softness 1 (radians). */
const MAX_LIGHT_HALF_ANGLE = 0.26;
/** Lowest light elevation used to size the ground (a grazing light's shadow is clipped there). */
const MIN_ELEVATION = Math.sin((12 * Math.PI) / 180);

export class CastShadow {
  readonly plane: THREE.Mesh;
  private readonly target: THREE.WebGLRenderTarget;
  private readonly side: number;
  /** Set by the bake when no texel is shadowed: the plane stays hidden. */
  private empty = false;

  /** @param bounds the model's world bounds (placed on the ground, y = 0 at its base) */
  constructor(
    private readonly bounds: THREE.Box3,
    private readonly options: Omit<CastShadowOptions, 'samples' | 'resolution'> & Partial<CastShadowOptions>,
  ) {
    const size = bounds.getSize(new THREE.Vector3());
    const direction = options.direction.clone().normalize();
    // Long enough for the shadow of the model's top at this light's elevation (clamped).
    const reach = (size.y * Math.sqrt(1 - Math.max(direction.y, MIN_ELEVATION) ** 2)) / Math.max(direction.y, MIN_ELEVATION);
    this.side = (Math.max(size.x, size.z) + reach) * 2.2;
    const resolution = options.resolution ?? CAST_SHADOW_DEFAULTS.resolution;
    this.target = new THREE.WebGLRenderTarget(resolution, resolution, { type: THREE.FloatType, depthBuffer: false, generateMipmaps: false });
    const material = new THREE.ShaderMaterial({
      uniforms: { shadow: { value: this.target.texture }, intensity: { value: options.intensity } },
      vertexShader: 'varying vec2 vUv; void main() { vUv = uv; gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0); }',
      fragmentShader: 'uniform sampler2D shadow; uniform float intensity; varying vec2 vUv; void main() { gl_FragColor = vec4(0.0, 0.0, 0.0, clamp(texture2D(shadow, vUv).a, 0.0, 1.0) * intensity); }',
      transparent: true,
      depthWrite: false,
      toneMapped: false,
    });
    this.plane = new THREE.Mesh(new THREE.PlaneGeometry(this.side, this.side).rotateX(-Math.PI / 2), material);
    this.plane.name = 'renderbay:cast-shadow';
    this.plane.renderOrder = -1;
    this.plane.position.y = this.side * 2e-4; // above the contact shadow
  }

  /**
   * Accumulates the shadow of `model` (part of `scene`) on the ground. The renderer's
   * shadow map is enabled only for the bake.
   */
  bake(renderer: THREE.WebGLRenderer, scene: THREE.Scene, model: THREE.Object3D): void {
    const samples = this.options.samples ?? CAST_SHADOW_DEFAULTS.samples;
    const radius = this.bounds.getBoundingSphere(new THREE.Sphere()).radius;
    const centre = this.bounds.getCenter(new THREE.Vector3());

    const light = new THREE.DirectionalLight(0xffffff, 1);
    light.castShadow = true;
    light.shadow.mapSize.set(512, 512);
    light.shadow.bias = -0.0005;
    light.shadow.normalBias = radius * 0.002;
    const shadowCamera = light.shadow.camera;
    shadowCamera.left = shadowCamera.bottom = -radius * 1.1;
    shadowCamera.right = shadowCamera.top = radius * 1.1;
    shadowCamera.near = radius * 0.5;
    // Deep enough for the whole shadow: a ground point in it lies behind its occluder along
    // the light's ray, by up to the model's height over the sine of the (lowest jittered)
    // elevation. A fixed 5 radii cut a low sun's long shadow off with a straight edge.
    const halfAngle = MAX_LIGHT_HALF_ANGLE * Math.max(0.02, this.options.softness);
    const lowestElevation = Math.max(Math.asin(Math.min(1, Math.max(-1, this.options.direction.clone().normalize().y))) - halfAngle, Math.asin(MIN_ELEVATION));
    shadowCamera.far = radius * 4.5 + this.bounds.getSize(new THREE.Vector3()).y / Math.sin(lowestElevation);
    light.target.position.copy(centre);

    // Drawn last (after the model, which writes nothing), with no depth test: the target has no depth buffer.
    const receiver = new THREE.Mesh(new THREE.PlaneGeometry(this.side, this.side).rotateX(-Math.PI / 2), new THREE.ShadowMaterial({ opacity: 1 / samples }));
    receiver.receiveShadow = true;
    const material = receiver.material as THREE.ShadowMaterial;
    // Sum the shadow terms in alpha (colour stays 0): the average over the samples.
    material.blending = THREE.CustomBlending;
    material.blendEquation = THREE.AddEquation;
    material.blendSrc = material.blendSrcAlpha = THREE.OneFactor;
    material.blendDst = material.blendDstAlpha = THREE.OneFactor;
    material.depthWrite = false;
    material.depthTest = false;

    const camera = new THREE.OrthographicCamera(-this.side / 2, this.side / 2, this.side / 2, -this.side / 2, 0.01, radius * 10);
    camera.position.set(0, radius * 5, 0);
    camera.up.set(0, 0, -1); // screen up = −Z, matching the plane's v axis
    camera.lookAt(0, 0, 0);

    const casters = new Set<THREE.Mesh>();
    model.traverse((object) => {
      if ((object as THREE.Mesh).isMesh) casters.add(object as THREE.Mesh);
    });
    const hidden: THREE.Object3D[] = [];
    scene.traverse((object) => {
      if ((object as THREE.Mesh).isMesh && object.visible && !casters.has(object as THREE.Mesh)) hidden.push(object);
    });
    // The casters are drawn (three renders into the shadow map only what the camera sees)
    // with a stand-in that writes nothing: compiling their own materials with shadows on
    // would cost more than the bake. The stand-in keeps what the depth pass reads from a
    // material (side, alpha-tested cut-outs), so the shadow is the same.
    const originalMaterials = new Map<THREE.Mesh, THREE.Material | THREE.Material[]>();
    const standIns: THREE.Material[] = [];
    const standIn = (material: THREE.Material) => {
      const source = material as THREE.MeshStandardMaterial;
      const replacement = new THREE.MeshBasicMaterial({ colorWrite: false, depthWrite: false, side: source.side, alphaTest: source.alphaTest, map: source.map ?? null, alphaMap: source.alphaMap ?? null });
      standIns.push(replacement);
      return replacement;
    };
    for (const mesh of casters) {
      originalMaterials.set(mesh, mesh.material);
      mesh.material = Array.isArray(mesh.material) ? mesh.material.map(standIn) : standIn(mesh.material);
    }
    const castShadowBefore = new Map([...casters].map((mesh) => [mesh, mesh.castShadow] as const));
    for (const object of hidden) object.visible = false;
    for (const mesh of casters) mesh.castShadow = true;
    const background = scene.background;
    scene.background = null;
    scene.add(light, light.target, receiver);
    const saved = { target: renderer.getRenderTarget(), autoClear: renderer.autoClear, shadows: renderer.shadowMap.enabled, clearAlpha: renderer.getClearAlpha(), clearColor: renderer.getClearColor(new THREE.Color()) };
    try {
      renderer.shadowMap.enabled = true;
      renderer.shadowMap.type = THREE.PCFShadowMap;
      renderer.setRenderTarget(this.target);
      renderer.setClearColor(0x000000, 0);
      renderer.clear(true, true, true);
      renderer.autoClear = false;
      const basis = lightBasis(this.options.direction);
      for (let index = 0; index < samples; index++) {
        // Stratified over the light's disc (a golden-angle spiral): even coverage, no noise pattern.
        const r = Math.tan(halfAngle) * Math.sqrt((index + 0.5) / samples);
        const theta = index * 2.399963229728653;
        const direction = basis.forward
          .clone()
          .addScaledVector(basis.right, r * Math.cos(theta))
          .addScaledVector(basis.up, r * Math.sin(theta))
          .normalize();
        light.position.copy(centre).addScaledVector(direction, radius * 3);
        light.updateMatrixWorld();
        light.target.updateMatrixWorld();
        renderer.shadowMap.needsUpdate = true;
        renderer.render(scene, camera);
      }
    } finally {
      renderer.autoClear = saved.autoClear;
      renderer.shadowMap.enabled = saved.shadows;
      renderer.setClearColor(saved.clearColor, saved.clearAlpha);
      renderer.setRenderTarget(saved.target);
      scene.remove(light, light.target, receiver);
      scene.background = background;
      for (const [mesh, before] of castShadowBefore) mesh.castShadow = before;
      for (const [mesh, material] of originalMaterials) mesh.material = material;
      for (const material of standIns) material.dispose();
      for (const object of hidden) object.visible = true;
      light.dispose();
      light.shadow.map?.dispose();
      receiver.geometry.dispose();
      material.dispose();
    }
    // Cropped to the shadowed texels (shadow-footprint.ts): a low light's shadow falls to one side of the plane.
    this.empty = !cropPlaneToShadow(renderer, this.target, this.plane, this.side, -Math.PI / 2);
  }

  /** Scales the shadow with the model about its base (reveal): exact for a directional light, as the base is on the ground. */
  setModelScale(scale: number): void {
    this.plane.scale.setScalar(Math.max(scale, 1e-6));
    this.plane.visible = scale > 0 && !this.empty;
  }

  dispose(): void {
    this.target.dispose();
    this.plane.geometry.dispose();
    (this.plane.material as THREE.Material).dispose();
  }
}

function lightBasis(direction: THREE.Vector3): { forward: THREE.Vector3; right: THREE.Vector3; up: THREE.Vector3 } {
  const forward = direction.clone().normalize();
  const helper = Math.abs(forward.y) > 0.99 ? new THREE.Vector3(1, 0, 0) : new THREE.Vector3(0, 1, 0);
  const right = new THREE.Vector3().crossVectors(helper, forward).normalize();
  const up = new THREE.Vector3().crossVectors(forward, right).normalize();
  return { forward, right, up };
}
