/**
 * Composites the premultiplied RGBA render of model, shadow and reflection over the
 * background, in display (sRGB) space as browsers composite. With `supersample` > 1 the
 * input is that many times larger per axis and is box-filtered down in the same pass,
 * one bilinear tap per 2×2 texel block (bilinear filtering at the shared corner of four
 * texels is their exact average).
 *
 * The output is opaque, or with `keepAlpha` carries the (box-filtered) coverage in alpha
 * next to the composited colour: datasets read the image on white and its mask at once.
 */
import * as THREE from 'three';
import { FullScreenQuad } from './fullscreen-quad.js';

const vertexShader = /* glsl */ `
varying vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = vec4( position.xy, 0.0, 1.0 );
}
`;

function fragmentShader(supersample: number, keepAlpha: boolean): string {
  // Offsets (in input texels) of bilinear taps that together average an s×s block.
  const taps: string[] = [];
  if (supersample <= 1) {
    taps.push('texture2D( tScene, vUv )');
  } else {
    const pairs = supersample / 2;
    for (let y = 0; y < pairs; y++) {
      for (let x = 0; x < pairs; x++) {
        const offsetX = (x * 2 + 1 - supersample / 2).toFixed(1);
        const offsetY = (y * 2 + 1 - supersample / 2).toFixed(1);
        taps.push(`texture2D( tScene, vUv + vec2( ${offsetX}, ${offsetY} ) * texel )`);
      }
    }
  }
  return /* glsl */ `
uniform sampler2D tScene;
uniform vec3 background;
uniform vec2 texel;
varying vec2 vUv;
void main() {
  vec4 premultiplied = ( ${taps.join(' + ')} ) / ${taps.length.toFixed(1)};
  gl_FragColor = vec4( premultiplied.rgb + background * ( 1.0 - premultiplied.a ), ${keepAlpha ? 'premultiplied.a' : '1.0'} );
}
`;
}

export class BackgroundComposite {
  private readonly material: THREE.ShaderMaterial;
  private readonly quad: FullScreenQuad;

  /**
   * @param supersample 1, or an even factor by which the input exceeds the output per axis
   * @param keepAlpha write the coverage into the output's alpha instead of 1
   */
  constructor(inputWidth: number, inputHeight: number, supersample: number, keepAlpha = false) {
    if (supersample !== 1 && supersample % 2 !== 0) throw new Error(`supersample must be 1 or even, got ${supersample}`);
    this.material = new THREE.ShaderMaterial({
      uniforms: {
        tScene: { value: null },
        background: { value: new THREE.Vector3(1, 1, 1) },
        texel: { value: new THREE.Vector2(1 / inputWidth, 1 / inputHeight) },
      },
      vertexShader,
      fragmentShader: fragmentShader(supersample, keepAlpha),
      depthTest: false,
      depthWrite: false,
    });
    this.quad = new FullScreenQuad(this.material);
  }

  /** Background colour as 8-bit sRGB hex ("#rrggbb"); used as is, never tone mapped. */
  setBackground(hex: string): void {
    const value = Number.parseInt(hex.slice(1), 16);
    (this.material.uniforms.background.value as THREE.Vector3).set(((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255);
  }

  render(renderer: THREE.WebGLRenderer, scene: THREE.Texture, output: THREE.WebGLRenderTarget): void {
    this.material.uniforms.tScene.value = scene;
    renderer.setRenderTarget(output);
    this.quad.render(renderer);
  }

  dispose(): void {
    this.material.dispose();
    this.quad.dispose();
  }
}
