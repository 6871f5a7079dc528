/**
 * Turns a scene and a camera into finished output frames:
 *   scene (tone mapped, sRGB, premultiplied RGBA; mirrored reflection first if any), once
 *   → per composite layer: supersample resolve, background (colour or image), vignette,
 *     foreground overlays — or transparent with straight alpha (post/layer-composite.ts)
 *   → optional post-process anti-aliasing (SMAA or FXAA)
 *   → readPixels (bottom-up RGBA; the encoder flips).
 */
import * as THREE from 'three';
import { createDisplayReferredTarget } from './gl/context.js';
import { createFrameTexture } from './post/frame-texture.js';
import { FXAA } from './post/fxaa.js';
import { LayerComposite, supersampledSide } from './post/layer-composite.js';
import { rasteriseBackground, rasteriseForeground } from './post/overlay-raster.js';
import { SMAA } from './post/smaa.js';
import { SupersampleResolve } from './post/supersample-resolve.js';

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

/** A pass drawn before the scene, whose depth is then cleared: the reflective floor (scene/reflective-floor.ts). */
export interface ReflectionPass {
  render(renderer: THREE.WebGLRenderer, camera: THREE.Camera): void;
}

/** A pass drawn after the reflection and before the scene that fills the depth buffer only (scene/depth-prepass.ts). */
export interface DepthPass {
  render(renderer: THREE.WebGLRenderer, camera: THREE.Camera): void;
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

/** Supersampling factor per axis of an anti-aliasing setting. */
function supersampleOf(antialiasing: Antialiasing): number {
  return antialiasing === 'ssaa2' ? 2 : antialiasing === 'ssaa1.75' ? 1.75 : antialiasing === 'ssaa4' ? 4 : 1;
}

/**
 * The largest factor up to `requested` whose scene target fits the GL limits (1 if none
 * does): 4k with 2× SSAA is 7680×4320, within llvmpipe's 16384, but a driver with an
 * 8192 limit renders 4k without supersampling rather than failing.
 */
export function fittingSupersample(requested: number, width: number, height: number, maxSide: number): number {
  const fits = (factor: number) => supersampledSide(width, factor) <= maxSide && supersampledSide(height, factor) <= maxSide;
  for (let factor = requested; factor > 1; factor -= 2) if (fits(factor)) return factor;
  return 1;
}

/**
 * Whether a frame is resolved once and every layer composites from that: with several
 * layers of a supersampled frame (see post/supersample-resolve.ts). One layer resolves in
 * its own pass, which saves a pass and keeps single renders exactly as they were.
 */
function resolvesOnce(layerCount: number, supersample: number): boolean {
  return layerCount > 1 && supersample > 1;
}

export class FramePipeline {
  private readonly sceneTarget: THREE.WebGLRenderTarget;
  private readonly compositeTarget: THREE.WebGLRenderTarget;
  private readonly finalTarget: THREE.WebGLRenderTarget | null;
  private readonly transparent = new THREE.Color(0, 0, 0);
  /** Set when the layers composite from a once-resolved frame (several layers, supersampled). */
  private readonly resolve: SupersampleResolve | null;
  /** Whether the resolve has run for the current scene render. */
  private resolved = false;

  private constructor(
    private readonly renderer: THREE.WebGLRenderer,
    private readonly options: FramePipelineOptions,
    private readonly edgePass: EdgePass | null,
    /** Supersampling factor per axis actually used: the requested one, lowered to fit the GL limits (1 without SSAA). */
    readonly supersample: number,
    resolveOnce: boolean,
    private readonly layers: LayerComposite[],
    private readonly textures: THREE.Texture[],
  ) {
    const { width, height } = options;
    this.sceneTarget = createDisplayReferredTarget(supersampledSide(width, supersample), supersampledSide(height, supersample));
    this.resolve = resolveOnce ? new SupersampleResolve(width, height, supersample) : null;
    const plain = { type: THREE.UnsignedByteType, depthBuffer: false, generateMipmaps: false } as const;
    this.compositeTarget = new THREE.WebGLRenderTarget(width, height, plain);
    this.finalTarget = edgePass ? new THREE.WebGLRenderTarget(width, height, plain) : null;
  }

  static async create(renderer: THREE.WebGLRenderer, options: FramePipelineOptions): Promise<FramePipeline> {
    const edgeAntialiasing = options.antialiasing === 'smaa' || options.antialiasing === 'fxaa';
    if (options.keepAlpha && edgeAntialiasing) {
      throw new Error(`keepAlpha needs supersampling or no anti-aliasing, not ${options.antialiasing}`);
    }
    if (edgeAntialiasing && options.layers.some((layer) => layer.background === null)) {
      throw new Error(`a transparent layer needs supersampling or no anti-aliasing, not ${options.antialiasing}`);
    }
    const gl = renderer.getContext();
    const maxSide = Math.min(gl.getParameter(gl.MAX_TEXTURE_SIZE) as number, gl.getParameter(gl.MAX_RENDERBUFFER_SIZE) as number);
    const supersample = fittingSupersample(supersampleOf(options.antialiasing), options.width, options.height, maxSide);
    const resolveOnce = resolvesOnce(options.layers.length, supersample);
    // Layers read the scene at its supersampled size, or the once-resolved frame.
    const { layers, textures } = await createLayerComposites(renderer, options, resolveOnce ? 1 : supersample);
    let edgePass: EdgePass | null = null;
    if (options.antialiasing === 'smaa') edgePass = await SMAA.create(options.width, options.height);
    if (options.antialiasing === 'fxaa') edgePass = new FXAA(options.width, options.height);
    return new FramePipeline(renderer, options, edgePass, supersample, resolveOnce, layers, textures);
  }

  /**
   * Renders one frame and returns its pixels, bottom row first (as GL reads them). Pass
   * `into` to reuse a buffer: at 1080p a fresh 8 MB array per frame is external memory
   * the garbage collector reclaims late, and a video render's RSS grew by gigabytes.
   */
  renderFrame(scene: THREE.Scene, camera: THREE.Camera, reflection: ReflectionPass | null, into?: Uint8Array): Uint8Array {
    this.renderScene(scene, camera, reflection);
    return this.composite(0, into);
  }

  /**
   * Renders the scene (reflection first, if any) into the premultiplied RGBA scene target,
   * once per frame; `depth`, when given, lays down the depth before the scene is shaded.
   */
  renderScene(scene: THREE.Scene, camera: THREE.Camera, reflection: ReflectionPass | null, depth?: DepthPass | null): void {
    const { renderer } = this;
    renderer.autoClear = false;
    renderer.setClearColor(this.transparent, 0);
    renderer.setRenderTarget(this.sceneTarget);
    renderer.clear(true, true, false);
    if (reflection) {
      reflection.render(renderer, camera);
      renderer.clearDepth();
    }
    depth?.render(renderer, camera);
    renderer.render(scene, camera);
    this.resolved = false;
  }

  /**
   * Composites the last rendered scene as layer `index` and returns its pixels, bottom
   * row first. Any number of layers can be composited from one `renderScene`.
   */
  composite(index: number, into?: Uint8Array): Uint8Array {
    const { renderer } = this;
    const layer = this.layers[index];
    if (!layer) throw new RangeError(`no composite layer ${index}`);
    if (this.resolve && !this.resolved) {
      this.resolve.render(renderer, this.sceneTarget.texture);
      this.resolved = true;
    }
    layer.render(renderer, (this.resolve?.target ?? this.sceneTarget).texture, this.compositeTarget);
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
    this.resolve?.dispose();
    for (const layer of this.layers) layer.dispose();
    for (const texture of this.textures) texture.dispose();
    this.edgePass?.dispose();
  }
}

/**
 * One composite pass per layer. Background images and foreground stacks are rasterised at
 * frame size once per render and shared between layers that use the same ones (a pro
 * variant's transparent and background layers share the foreground).
 */
async function createLayerComposites(
  renderer: THREE.WebGLRenderer,
  options: FramePipelineOptions,
  /** What each layer's input exceeds the output by per axis (1 when it reads the resolved frame). */
  inputSupersample: number,
): Promise<{ layers: LayerComposite[]; textures: THREE.Texture[] }> {
  const frame = { width: options.width, height: options.height };
  const cache = new Map<string, Promise<THREE.Texture | null>>();
  const shared = (key: string, make: () => Promise<THREE.Texture | null>) => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key)!;
  };
  const layers: LayerComposite[] = [];
  for (const layer of options.layers) {
    const { background, foreground } = layer;
    const image = background?.image ?? null;
    const backgroundImage = image
      ? await shared(JSON.stringify(['background', image, background!.color]), async () =>
          createFrameTexture(renderer, await rasteriseBackground(image, background!.color, frame)),
        )
      : null;
    const foregroundTexture = foreground.length
      ? await shared(JSON.stringify(['foreground', foreground]), async () => {
          const pixels = await rasteriseForeground(foreground, frame);
          return pixels ? createFrameTexture(renderer, pixels) : null;
        })
      : null;
    layers.push(
      new LayerComposite({
        inputWidth: supersampledSide(options.width, inputSupersample),
        inputHeight: supersampledSide(options.height, inputSupersample),
        supersample: inputSupersample,
        backgroundColour: background?.color ?? null,
        backgroundImage,
        vignette: background?.vignette ?? 0,
        foreground: foregroundTexture,
        keepAlpha: options.keepAlpha === true,
      }),
    );
  }
  const textures = (await Promise.all(cache.values())).filter((texture): texture is THREE.Texture => texture !== null);
  return { layers, textures };
}
