/**
 * Soft ground shadow under the model, in the manner of model-viewer's contact shadows:
 * the model is rendered from below with an orthographic camera into a small target
 * (surfaces close to the ground darkest), blurred twice, and laid on the floor as a
 * transparent texture. While only the camera moves the shadow is baked once, so it costs
 * one textured quad per frame instead of a shadow map lookup per pixel.
 */
import * as THREE from 'three';
import { FullScreenQuad } from '../post/fullscreen-quad.js';
import { HorizontalBlurShader } from 'three/examples/jsm/shaders/HorizontalBlurShader.js';
import { VerticalBlurShader } from 'three/examples/jsm/shaders/VerticalBlurShader.js';
import { cropPlaneToShadow } from './shadow-footprint.js';

export interface ContactShadowOptions {
  /** Shadow texture resolution (square). */
  resolution: number;
  /** Darkness of a surface touching the ground (0–1). */
  darkness: number;
  /** Overall opacity of the shadow plane. */
  opacity: number;
  /** Blur radius in shadow-texture texels. */
  blur: number;
  /** Height above the ground, as a share of the model's footprint, over which the shadow fades out. */
  fadeHeight: number;
}

export const CONTACT_SHADOW_DEFAULTS: ContactShadowOptions = {
  resolution: 256,
  darkness: 1.6,
  opacity: 0.9,
  blur: 6,
  fadeHeight: 0.6,
};

export class ContactShadow {
  /** The floor plane to add to the scene. */
  readonly plane: THREE.Mesh;
  private readonly target: THREE.WebGLRenderTarget;
  private readonly blurTarget: THREE.WebGLRenderTarget;
  private readonly camera: THREE.OrthographicCamera;
  private readonly depthMaterial: THREE.MeshDepthMaterial;
  private readonly options: ContactShadowOptions;
  private readonly side: number;
  /** Set by the bake when no texel is shadowed: the plane stays hidden. */
  private empty = false;

  /** @param footprint width and depth of the area the shadow covers (model units) */
  constructor(footprint: { width: number; depth: number; height: number }, options: Partial<ContactShadowOptions> = {}) {
    this.options = { ...CONTACT_SHADOW_DEFAULTS, ...options };
    const { resolution } = this.options;
    const targetOptions = { type: THREE.UnsignedByteType, depthBuffer: true, generateMipmaps: false } as const;
    this.target = new THREE.WebGLRenderTarget(resolution, resolution, targetOptions);
    this.blurTarget = new THREE.WebGLRenderTarget(resolution, resolution, { ...targetOptions, depthBuffer: false });

    // A square plane around the footprint with margin for the blur.
    const side = Math.max(footprint.width, footprint.depth) * 2;
    this.side = side;
    const fadeHeight = Math.max(side * this.options.fadeHeight, footprint.height * 0.25);
    this.camera = new THREE.OrthographicCamera(-side / 2, side / 2, side / 2, -side / 2, 0, fadeHeight);
    this.camera.rotation.x = Math.PI / 2; // looks up (+Y) from the ground
    this.camera.updateMatrixWorld(true);

    const material = new THREE.MeshBasicMaterial({
      map: this.target.texture,
      transparent: true,
      opacity: this.options.opacity,
      depthWrite: false,
      toneMapped: false,
    });
    this.plane = new THREE.Mesh(new THREE.PlaneGeometry(side, side).rotateX(Math.PI / 2), material);
    this.plane.name = 'renderbay:contact-shadow';
    this.plane.scale.y = -1; // the texture is seen from below; mirror it to match the top view
    this.plane.renderOrder = -1;
    this.plane.position.y = side * 1e-4;

    const darkness = { value: this.options.darkness };
    this.depthMaterial = new THREE.MeshDepthMaterial();
    this.depthMaterial.onBeforeCompile = (shader) => {
      shader.uniforms.darkness = darkness;
      shader.fragmentShader = `uniform float darkness;\n${shader.fragmentShader.replace(
        'gl_FragColor = vec4( vec3( 1.0 - fragCoordZ ), opacity );',
        'gl_FragColor = vec4( vec3( 0.0 ), clamp( ( 1.0 - fragCoordZ ) * darkness, 0.0, 1.0 ) );',
      )}`;
    };
  }

  /**
   * Follows a model scaled about its base (reveal): the baked shadow shrinks with it
   * about the same point, and is hidden at scale 0 so no shadow lies under a model that
   * is not there yet.
   */
  setModelScale(scale: number): void {
    this.plane.scale.x = scale;
    this.plane.scale.z = scale;
    this.plane.visible = scale > 0 && !this.empty;
  }

  /** Renders the shadow of `model` into the plane's texture. Cheap: call again only when the model moves. */
  bake(renderer: THREE.WebGLRenderer, model: THREE.Object3D): void {
    const previousTarget = renderer.getRenderTarget();
    const previousClearAlpha = renderer.getClearAlpha();
    const previousClearColor = renderer.getClearColor(new THREE.Color());
    const scene = new THREE.Scene();
    const parent = model.parent;
    scene.add(model);
    scene.overrideMaterial = this.depthMaterial;
    renderer.setClearColor(0x000000, 0);
    renderer.setRenderTarget(this.target);
    renderer.clear();
    renderer.render(scene, this.camera);
    scene.remove(model);
    parent?.add(model);

    const texel = 1 / this.options.resolution;
    // Wide then narrow passes: a soft penumbra without the banding of one very wide 9-tap blur.
    this.blurPass(renderer, this.options.blur * texel);
    this.blurPass(renderer, this.options.blur * 0.5 * texel);
    this.blurPass(renderer, this.options.blur * 0.25 * texel);

    renderer.setRenderTarget(previousTarget);
    renderer.setClearColor(previousClearColor, previousClearAlpha);
    // Cropped to the shadowed texels (shadow-footprint.ts): the rest of the plane blends nothing.
    this.empty = !cropPlaneToShadow(renderer, this.target, this.plane, this.side, Math.PI / 2);
  }

  private blurPass(renderer: THREE.WebGLRenderer, amount: number): void {
    const horizontal = new THREE.ShaderMaterial({ ...HorizontalBlurShader, uniforms: THREE.UniformsUtils.clone(HorizontalBlurShader.uniforms) });
    const vertical = new THREE.ShaderMaterial({ ...VerticalBlurShader, uniforms: THREE.UniformsUtils.clone(VerticalBlurShader.uniforms) });
    horizontal.uniforms.tDiffuse.value = this.target.texture;
    horizontal.uniforms.h.value = amount;
    vertical.uniforms.tDiffuse.value = this.blurTarget.texture;
    vertical.uniforms.v.value = amount;
    const quad = new FullScreenQuad(horizontal);
    renderer.setRenderTarget(this.blurTarget);
    quad.render(renderer);
    quad.material = vertical;
    renderer.setRenderTarget(this.target);
    quad.render(renderer);
    quad.dispose();
    horizontal.dispose();
    vertical.dispose();
  }

  dispose(): void {
    this.target.dispose();
    this.blurTarget.dispose();
    this.depthMaterial.dispose();
    this.plane.geometry.dispose();
    (this.plane.material as THREE.Material).dispose();
  }
}
