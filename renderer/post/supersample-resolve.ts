/**
 * Box-filters the supersampled, premultiplied scene down to output size once, for frames
 * that are composited several times (background variants, pro's transparent master).
 *
 * A composite layer can resolve the supersampling itself in its single pass, which is the
 * cheapest for one layer. With several layers each would read the whole 2×-per-axis scene
 * again: on llvmpipe that read is most of a composite's cost (about 20 ms at 1080p). So
 * with several layers the scene is resolved here once, into an output-sized premultiplied
 * target, and every layer composites from that (one texel per pixel).
 */
import * as THREE from 'three';
import { FullScreenQuad } from './fullscreen-quad.js';
import { resolveGlsl, supersampledSide, vertexShader } from './layer-composite.js';

export class SupersampleResolve {
  /** The resolved frame: premultiplied RGBA at output size, sampled texel for texel. */
  readonly target: THREE.WebGLRenderTarget;
  private readonly material: THREE.ShaderMaterial;
  private readonly quad: FullScreenQuad;

  constructor(width: number, height: number, supersample: number) {
    this.target = new THREE.WebGLRenderTarget(width, height, {
      type: THREE.UnsignedByteType,
      depthBuffer: false,
      generateMipmaps: false,
      minFilter: THREE.NearestFilter,
      magFilter: THREE.NearestFilter,
    });
    const resolve = resolveGlsl(supersample);
    this.material = new THREE.ShaderMaterial({
      uniforms: { tScene: { value: null }, texel: { value: new THREE.Vector2(1 / supersampledSide(width, supersample), 1 / supersampledSide(height, supersample)) } },
      vertexShader,
      fragmentShader: /* glsl */ `
uniform sampler2D tScene;
uniform vec2 texel;
varying vec2 vUv;
${resolve.functions}
void main() {
  gl_FragColor = ${resolve.expression};
}
`,
      depthTest: false,
      depthWrite: false,
    });
    this.quad = new FullScreenQuad(this.material);
  }

  render(renderer: THREE.WebGLRenderer, scene: THREE.Texture): void {
    this.material.uniforms.tScene.value = scene;
    renderer.setRenderTarget(this.target);
    this.quad.render(renderer);
  }

  dispose(): void {
    this.target.dispose();
    this.material.dispose();
    this.quad.dispose();
  }
}
