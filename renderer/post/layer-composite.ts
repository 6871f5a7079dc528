/**
 * Finishes the premultiplied RGBA render of model, shadow and reflection as one composite
 * layer, in a single full-screen pass, in display (sRGB) space as browsers composite:
 *
 *   supersample resolve → over the background (colour or image) → vignette → foreground "over"
 *
 * or, for a transparent layer (ProRes 4444), resolve → foreground "over" → un-premultiply.
 *
 * With `supersample` > 1 the scene input is that many times larger per axis and is
 * box-filtered down in the same pass, one bilinear tap per 2×2 texel block (bilinear
 * filtering at the shared corner of four texels is their exact average); a fractional
 * factor (1.75, the share tier) is area-filtered instead (resolveGlsl). The background
 * image and the foreground are frame-sized textures (overlay-raster.ts), sampled one texel
 * per output pixel.
 *
 * Output alpha: opaque layers write 1, or with `keepAlpha` the coverage (datasets read the
 * image on white and its mask at once). Transparent layers write straight (not
 * premultiplied) colour with alpha = coverage; where alpha is 0 the colour is 0.
 */
import * as THREE from 'three';
import { FullScreenQuad } from './fullscreen-quad.js';
import { VIGNETTE_GLSL } from './vignette.js';

export const vertexShader = /* glsl */ `
varying vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = vec4( position.xy, 0.0, 1.0 );
}
`;

export interface LayerCompositeOptions {
  /** Scene target size (the output times `supersample` per axis, rounded: supersampledSide). */
  inputWidth: number;
  inputHeight: number;
  /** 1, an even factor, or a fractional one between 1 and 2, by which the input exceeds the output per axis. */
  supersample: number;
  /** "#rrggbb" behind the model, or null for a transparent layer. Unused under `backgroundImage`. */
  backgroundColour: string | null;
  /** Frame-sized opaque background (overlay-raster.ts); replaces the colour. */
  backgroundImage: THREE.Texture | null;
  /** 0..1 (vignette.ts); applied to opaque layers only, under the foreground. */
  vignette: number;
  /** Frame-sized straight-alpha foreground (overlay-raster.ts), drawn over everything. */
  foreground: THREE.Texture | null;
  /** Opaque layers: write the coverage into alpha instead of 1. */
  keepAlpha: boolean;
}

/** One side of the scene target: the output side times the supersampling factor, in whole pixels. */
export function supersampledSide(side: number, supersample: number): number {
  return Math.round(side * supersample);
}

/** Offsets (in input texels) of bilinear taps that together average an s×s block. */
export function resolveTaps(supersample: number): string[] {
  if (supersample <= 1) return ['texture2D( tScene, vUv )'];
  const taps: string[] = [];
  const pairs = supersample / 2;
  for (let y = 0; y < pairs; y++) {
    for (let x = 0; x < pairs; x++) {
      const offsetX = (x * 2 + 1 - supersample / 2).toFixed(1);
      const offsetY = (y * 2 + 1 - supersample / 2).toFixed(1);
      taps.push(`texture2D( tScene, vUv + vec2( ${offsetX}, ${offsetY} ) * texel )`);
    }
  }
  return taps;
}

/**
 * A fractional factor (between 1 and 2, e.g. 1.75) has no fixed tap pattern: each output
 * pixel's footprint, `supersample` scene pixels wide, straddles the scene pixels at its
 * own phase, and is averaged exactly by area. Per axis the footprint overlaps at most
 * three scene pixels, with weights (a, b, c); two bilinear taps cover them, one between
 * the first two pixels and one between the last two, with the middle weight split in the
 * ratio a : c, so four bilinear taps resolve the pixel (nine plain taps cost three times
 * as much as the 2× resolve on llvmpipe).
 */
function areaResolveFunction(supersample: number): string {
  return /* glsl */ `
// One axis: the two tap positions (scene pixels) and their weights for a footprint [start, end).
void areaTaps( float start, float end, out vec2 position, out vec2 weight ) {
  float first = floor( start );
  float a = min( end, first + 1.0 ) - start;
  float b = clamp( end - first - 1.0, 0.0, 1.0 );
  float c = max( end - first - 2.0, 0.0 );
  float bLeft = b * a / ( a + c );
  float bRight = b - bLeft;
  weight = vec2( a + bLeft, bRight + c );
  position = vec2( first + 0.5 + bLeft / max( weight.x, 1e-6 ), first + 1.5 + c / max( weight.y, 1e-6 ) );
}
vec4 resolveArea() {
  vec2 centre = vUv / texel;
  vec2 start = centre - ${(supersample / 2).toFixed(6)};
  vec2 end = centre + ${(supersample / 2).toFixed(6)};
  vec2 x, wx, y, wy;
  areaTaps( start.x, end.x, x, wx );
  areaTaps( start.y, end.y, y, wy );
  vec4 sum = wx.x * wy.x * texture2D( tScene, vec2( x.x, y.x ) * texel )
    + wx.y * wy.x * texture2D( tScene, vec2( x.y, y.x ) * texel )
    + wx.x * wy.y * texture2D( tScene, vec2( x.x, y.y ) * texel )
    + wx.y * wy.y * texture2D( tScene, vec2( x.y, y.y ) * texel );
  return sum / ( ( wx.x + wx.y ) * ( wy.x + wy.y ) );
}
`;
}

/** Whether a supersampling factor is fractional (resolved by area) rather than 1 or even (resolved by taps). */
function isFractional(supersample: number): boolean {
  return supersample > 1 && supersample < 2;
}

/**
 * GLSL that resolves the scene texture `tScene` (uniform `texel`: one over its size) to the
 * output pixel at `vUv`: `functions` go before main(), `expression` is that pixel's
 * premultiplied colour. `supersample` is 1, even, or fractional between 1 and 2.
 */
export function resolveGlsl(supersample: number): { functions: string; expression: string } {
  if (isFractional(supersample)) return { functions: areaResolveFunction(supersample), expression: 'resolveArea()' };
  if (supersample !== 1 && supersample % 2 !== 0) throw new Error(`supersample must be 1, even, or between 1 and 2, got ${supersample}`);
  const taps = resolveTaps(supersample);
  return { functions: '', expression: `( ${taps.join(' + ')} ) / ${taps.length.toFixed(1)}` };
}

function fragmentShader(options: LayerCompositeOptions): string {
  const resolve = resolveGlsl(options.supersample);
  const transparent = options.backgroundColour === null && options.backgroundImage === null;
  const vignette = !transparent && options.vignette > 0;
  return /* glsl */ `
uniform sampler2D tScene;
uniform vec2 texel;
uniform vec3 backgroundColour;
uniform sampler2D tBackground;
uniform sampler2D tForeground;
varying vec2 vUv;
${vignette ? VIGNETTE_GLSL : ''}${resolve.functions}
void main() {
  // Premultiplied: model, shadow and reflection over nothing.
  vec4 result = ${resolve.expression};
${
  transparent
    ? ''
    : `  vec3 background = ${options.backgroundImage ? 'texture2D( tBackground, vUv ).rgb' : 'backgroundColour'};
  result = vec4( result.rgb + background * ( 1.0 - result.a ), ${options.keepAlpha ? 'result.a' : '1.0'} );
${vignette ? '  result.rgb *= vignetteFactor( vUv );' : ''}`
}
${
  options.foreground
    ? `  // "over", premultiplied; an opaque result's colour is its own premultiplied colour.
  vec4 foreground = texture2D( tForeground, vUv );
  result = vec4( foreground.rgb * foreground.a + result.rgb * ( 1.0 - foreground.a ), foreground.a + result.a * ( 1.0 - foreground.a ) );`
    : ''
}
${
  transparent
    ? `  // Straight alpha for ProRes; nothing to divide where nothing was drawn.
  gl_FragColor = result.a > 0.0 ? vec4( min( result.rgb / result.a, vec3( 1.0 ) ), result.a ) : vec4( 0.0 );`
    : '  gl_FragColor = result;'
}
}
`;
}

/** "#rrggbb" (8-bit sRGB) → 0..1 components, used as they are (never tone mapped). */
function hexToVector(hex: string): THREE.Vector3 {
  const value = Number.parseInt(hex.slice(1), 16);
  return new THREE.Vector3(((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255);
}

/** One composite layer's pass: its own shader (only the steps the layer needs) and inputs. */
export class LayerComposite {
  private readonly material: THREE.ShaderMaterial;
  private readonly quad: FullScreenQuad;

  constructor(options: LayerCompositeOptions) {
    this.material = new THREE.ShaderMaterial({
      uniforms: {
        tScene: { value: null },
        texel: { value: new THREE.Vector2(1 / options.inputWidth, 1 / options.inputHeight) },
        backgroundColour: { value: hexToVector(options.backgroundColour ?? '#000000') },
        tBackground: { value: options.backgroundImage },
        tForeground: { value: options.foreground },
        vignetteStrength: { value: options.vignette },
      },
      vertexShader,
      fragmentShader: fragmentShader(options),
      depthTest: false,
      depthWrite: false,
    });
    this.quad = new FullScreenQuad(this.material);
  }

  render(renderer: THREE.WebGLRenderer, scene: THREE.Texture, output: THREE.WebGLRenderTarget): void {
    this.material.uniforms.tScene.value = scene;
    renderer.setRenderTarget(output);
    this.quad.render(renderer);
  }

  /** Frees the shader; the textures belong to whoever created them (layers may share them). */
  dispose(): void {
    this.material.dispose();
    this.quad.dispose();
  }
}
