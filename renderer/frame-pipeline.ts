/**
 * Turns a scene and a camera into one finished output frame:
 *   scene (tone mapped, sRGB, premultiplied RGBA; mirrored reflection first if any)
 *   → background composite (and supersample resolve)
 *   → optional post-process anti-aliasing (SMAA or FXAA)
 *   → readPixels (bottom-up RGBA; the encoder flips).
 */
import * as THREE from 'three';
import { createDisplayReferredTarget } from './gl/context.js';
import { BackgroundComposite } from './post/background-composite.js';
import { FXAA } from './post/fxaa.js';
import { SMAA } from './post/smaa.js';

export type { Antialiasing } from '../src/render/render-plan.js';
import type { Antialiasing, BackgroundPlan, OverlayImage } from '../src/render/render-plan.js';

/**
 * One way of finishing the rendered RGBA frame. With a background, the output is opaque
 * (or keeps the coverage in alpha with `keepAlpha`); with `background: null` it stays
 * transparent, with straight (not premultiplied) alpha, as ProRes 4444 carries it.
 * Foreground overlays are drawn on top either way.
 */
export interface CompositeLayer {
  background: BackgroundPlan | null;
  foreground: OverlayImage[];
}

/** A post-process anti-aliasing pass over the composited sRGB image. */
interface EdgePass {
  render(renderer: THREE.WebGLRenderer, input: THREE.Texture, output: THREE.WebGLRenderTarget): void;
  dispose(): void;
}

export interface FramePipelineOptions {
  width: number;
  height: number;
  /** Edge anti-aliasing: supersampling (2× or 4× per axis) or a post-process pass (SMAA, FXAA). */
  antialiasing: Antialiasing;
  /** The composites `composite(index)` can produce from each rendered frame (at least one). */
  layers: CompositeLayer[];
  /**
   * Keep the coverage in the output's alpha (the colour is still composited on the
   * background). Only with supersampling or none: the edge passes assume opaque input.
   */
  keepAlpha?: boolean;
}

export class FramePipeline {
  private readonly sceneTarget: THREE.WebGLRenderTarget;
  private readonly compositeTarget: THREE.WebGLRenderTarget;
  private readonly finalTarget: THREE.WebGLRenderTarget | null;
  private readonly background: BackgroundComposite;
  private readonly transparent = new THREE.Color(0, 0, 0);

  private constructor(
    private readonly renderer: THREE.WebGLRenderer,
    private readonly options: FramePipelineOptions,
    private readonly edgePass: EdgePass | null,
  ) {
    const supersample = options.antialiasing === 'ssaa2' ? 2 : options.antialiasing === 'ssaa4' ? 4 : 1;
    const { width, height } = options;
    this.sceneTarget = createDisplayReferredTarget(width * supersample, height * supersample);
    const plain = { type: THREE.UnsignedByteType, depthBuffer: false, generateMipmaps: false } as const;
    this.compositeTarget = new THREE.WebGLRenderTarget(width, height, plain);
    this.finalTarget = edgePass ? new THREE.WebGLRenderTarget(width, height, plain) : null;
    this.background = new BackgroundComposite(width * supersample, height * supersample, supersample, options.keepAlpha === true);
  }

  static async create(renderer: THREE.WebGLRenderer, options: FramePipelineOptions): Promise<FramePipeline> {
    if (options.keepAlpha && (options.antialiasing === 'smaa' || options.antialiasing === 'fxaa')) {
      throw new Error(`keepAlpha needs supersampling or no anti-aliasing, not ${options.antialiasing}`);
    }
    let edgePass: EdgePass | null = null;
    if (options.antialiasing === 'smaa') edgePass = await SMAA.create(options.width, options.height);
    if (options.antialiasing === 'fxaa') edgePass = new FXAA(options.width, options.height);
    return new FramePipeline(renderer, options, edgePass);
  }

  /**
   * Renders one frame and returns its pixels, bottom row first (as GL reads them). Pass
   * `into` to reuse a buffer: at 1080p a fresh 8 MB array per frame is external memory
   * the garbage collector reclaims late, and a video render's RSS grew by gigabytes.
   */
  renderFrame(scene: THREE.Scene, camera: THREE.Camera, reflection: THREE.Scene | null, into?: Uint8Array): Uint8Array {
    this.renderScene(scene, camera, reflection);
    return this.composite(0, into);
  }

  /** Renders the scene (reflection first, if any) into the premultiplied RGBA scene target, once per frame. */
  renderScene(scene: THREE.Scene, camera: THREE.Camera, reflection: THREE.Scene | null): void {
    const { renderer } = this;
    renderer.autoClear = false;
    renderer.setClearColor(this.transparent, 0);
    renderer.setRenderTarget(this.sceneTarget);
    renderer.clear(true, true, false);
    if (reflection) {
      renderer.render(reflection, camera);
      renderer.clearDepth();
    }
    renderer.render(scene, camera);
  }

  /**
   * Composites the last rendered scene as layer `index` and returns its pixels, bottom
   * row first. Any number of layers can be composited from one `renderScene`.
   */
  composite(index: number, into?: Uint8Array): Uint8Array {
    const { renderer } = this;
    const layer = this.options.layers[index];
    if (!layer) throw new RangeError(`no composite layer ${index}`);
    this.background.setBackground(layer.background?.color ?? '#000000');
    this.background.render(renderer, this.sceneTarget.texture, this.compositeTarget);
    let output = this.compositeTarget;
    if (this.edgePass && this.finalTarget) {
      this.edgePass.render(renderer, this.compositeTarget.texture, this.finalTarget);
      output = this.finalTarget;
    }
    const pixels = into ?? new Uint8Array(this.options.width * this.options.height * 4);
    renderer.readRenderTargetPixels(output, 0, 0, this.options.width, this.options.height, pixels);
    return pixels;
  }

  dispose(): void {
    this.sceneTarget.dispose();
    this.compositeTarget.dispose();
    this.finalTarget?.dispose();
    this.background.dispose();
    this.edgePass?.dispose();
  }
}
