/**
 * FXAA (three's port of NVIDIA's FXAA for ES) as one full-screen pass on an sRGB image.
 * The cheapest post-process edge anti-aliasing; compared against supersampling in
 * `npm run bench -- aa`.
 */
import * as THREE from 'three';
import { FullScreenQuad } from './fullscreen-quad.js';
import { FXAAShader } from 'three/examples/jsm/shaders/FXAAShader.js';

export class FXAA {
  private readonly material: THREE.ShaderMaterial;
  private readonly quad: FullScreenQuad;

  constructor(width: number, height: number) {
    this.material = new THREE.ShaderMaterial({
      uniforms: THREE.UniformsUtils.clone(FXAAShader.uniforms),
      vertexShader: FXAAShader.vertexShader,
      fragmentShader: FXAAShader.fragmentShader,
      depthTest: false,
      depthWrite: false,
    });
    this.material.uniforms.resolution.value.set(1 / width, 1 / height);
    this.quad = new FullScreenQuad(this.material);
  }

  render(renderer: THREE.WebGLRenderer, input: THREE.Texture, output: THREE.WebGLRenderTarget): void {
    this.material.uniforms.tDiffuse.value = input;
    renderer.setRenderTarget(output);
    this.quad.render(renderer);
  }

  dispose(): void {
    this.material.dispose();
    this.quad.dispose();
  }
}
