/**
 * Turns a scene and a camera into one finished output frame:
 *   scene (tone mapped, sRGB, premultiplied RGBA; mirrored reflection first if any)
 *   → background composite (and supersample resolve)
 *   → SMAA
 *   → readPixels (bottom-up RGBA; the encoder flips).
 */
import * as THREE from 'three';
import { createDisplayReferredTarget } from './gl/context.js';
import { BackgroundComposite } from './post/background-composite.js';
import { SMAA } from './post/smaa.js';

export type Antialiasing = 'smaa' | 'ssaa2' | 'ssaa4' | 'none';

export interface FramePipelineOptions {
  width: number;
  height: number;
  /** Edge anti-aliasing: SMAA (default), or supersampling (2× or 4× per axis, for references). */
  antialiasing: Antialiasing;
  /** Background colour, "#rrggbb". */
  background: string;
}

export class FramePipeline {
  private readonly sceneTarget: THREE.WebGLRenderTarget;
  private readonly compositeTarget: THREE.WebGLRenderTarget;
  private readonly finalTarget: THREE.WebGLRenderTarget | null;
  private readonly composite: BackgroundComposite;
  private readonly transparent = new THREE.Color(0, 0, 0);

  private constructor(
    private readonly renderer: THREE.WebGLRenderer,
    private readonly options: FramePipelineOptions,
    private readonly smaa: SMAA | null,
  ) {
    const supersample = options.antialiasing === 'ssaa2' ? 2 : options.antialiasing === 'ssaa4' ? 4 : 1;
    const { width, height } = options;
    this.sceneTarget = createDisplayReferredTarget(width * supersample, height * supersample);
    const plain = { type: THREE.UnsignedByteType, depthBuffer: false, generateMipmaps: false } as const;
    this.compositeTarget = new THREE.WebGLRenderTarget(width, height, plain);
    this.finalTarget = smaa ? new THREE.WebGLRenderTarget(width, height, plain) : null;
    this.composite = new BackgroundComposite(width * supersample, height * supersample, supersample);
    this.composite.setBackground(options.background);
  }

  static async create(renderer: THREE.WebGLRenderer, options: FramePipelineOptions): Promise<FramePipeline> {
    const smaa = options.antialiasing === 'smaa' ? await SMAA.create(options.width, options.height) : null;
    return new FramePipeline(renderer, options, smaa);
  }

  /** Renders one frame and returns its pixels, bottom row first (as GL reads them). */
  renderFrame(scene: THREE.Scene, camera: THREE.Camera, reflection: THREE.Scene | null): Uint8Array {
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

    this.composite.render(renderer, this.sceneTarget.texture, this.compositeTarget);
    let output = this.compositeTarget;
    if (this.smaa && this.finalTarget) {
      this.smaa.render(renderer, this.compositeTarget.texture, this.finalTarget);
      output = this.finalTarget;
    }
    const pixels = new Uint8Array(this.options.width * this.options.height * 4);
    renderer.readRenderTargetPixels(output, 0, 0, this.options.width, this.options.height, pixels);
    return pixels;
  }

  dispose(): void {
    this.sceneTarget.dispose();
    this.compositeTarget.dispose();
    this.finalTarget?.dispose();
    this.composite.dispose();
    this.smaa?.dispose();
  }
}
