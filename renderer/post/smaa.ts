/**
 * SMAA (Subpixel Morphological Anti-Aliasing, three's port of Jimenez et al.) on an
 * 8-bit sRGB image: edge detection, blending weights from the precomputed area/search
 * tables, and neighbourhood blending — three full-screen passes at output resolution.
 * On llvmpipe this costs a few milliseconds per frame, where 2× supersampling costs ~3×
 * the whole render; its edge quality is measured against supersampling in a benchmark.
 *
 * three's SMAAPass decodes its lookup tables through HTMLImageElement and allocates
 * half-float targets; neither exists here, so the tables are decoded with sharp and the
 * targets are 8-bit (as in the reference SMAA implementation).
 */
import sharp from 'sharp';
import * as THREE from 'three';
import { FullScreenQuad } from './fullscreen-quad.js';
import { SMAAPass } from 'three/examples/jsm/postprocessing/SMAAPass.js';
import { SMAABlendShader, SMAAEdgesShader, SMAAWeightsShader } from 'three/examples/jsm/shaders/SMAAShader.js';

async function decodeDataUrlTexture(dataUrl: string, filter: THREE.MagnificationTextureFilter): Promise<THREE.DataTexture> {
  const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const texture = new THREE.DataTexture(new Uint8Array(data), info.width, info.height, THREE.RGBAFormat);
  texture.magFilter = filter;
  texture.minFilter = filter;
  texture.generateMipmaps = false;
  texture.flipY = false;
  texture.needsUpdate = true;
  return texture;
}

function shaderMaterial(shader: { uniforms: Record<string, THREE.IUniform>; vertexShader: string; fragmentShader: string; defines?: Record<string, unknown> }, width: number, height: number): THREE.ShaderMaterial {
  const material = new THREE.ShaderMaterial({
    defines: { ...(shader.defines ?? {}) },
    uniforms: THREE.UniformsUtils.clone(shader.uniforms),
    vertexShader: shader.vertexShader,
    fragmentShader: shader.fragmentShader,
    depthTest: false,
    depthWrite: false,
  });
  material.uniforms.resolution.value.set(1 / width, 1 / height);
  return material;
}

export class SMAA {
  private readonly edgesTarget: THREE.WebGLRenderTarget;
  private readonly weightsTarget: THREE.WebGLRenderTarget;
  private readonly edges: THREE.ShaderMaterial;
  private readonly weights: THREE.ShaderMaterial;
  private readonly blend: THREE.ShaderMaterial;
  private readonly quad = new FullScreenQuad();

  private constructor(width: number, height: number, areaTexture: THREE.Texture, searchTexture: THREE.Texture) {
    const options = { type: THREE.UnsignedByteType, depthBuffer: false, generateMipmaps: false } as const;
    this.edgesTarget = new THREE.WebGLRenderTarget(width, height, options);
    this.weightsTarget = new THREE.WebGLRenderTarget(width, height, options);
    this.edges = shaderMaterial(SMAAEdgesShader, width, height);
    this.weights = shaderMaterial(SMAAWeightsShader, width, height);
    this.weights.uniforms.tDiffuse.value = this.edgesTarget.texture;
    this.weights.uniforms.tArea.value = areaTexture;
    this.weights.uniforms.tSearch.value = searchTexture;
    this.blend = shaderMaterial(SMAABlendShader, width, height);
    this.blend.uniforms.tDiffuse.value = this.weightsTarget.texture;
  }

  static async create(width: number, height: number): Promise<SMAA> {
    const tables = SMAAPass.prototype as unknown as { getAreaTexture(): string; getSearchTexture(): string };
    const [area, search] = await Promise.all([
      decodeDataUrlTexture(tables.getAreaTexture(), THREE.LinearFilter),
      decodeDataUrlTexture(tables.getSearchTexture(), THREE.NearestFilter),
    ]);
    return new SMAA(width, height, area, search);
  }

  /** Anti-aliases `input` (an sRGB image) into `output`. */
  render(renderer: THREE.WebGLRenderer, input: THREE.Texture, output: THREE.WebGLRenderTarget): void {
    this.edges.uniforms.tDiffuse.value = input;
    this.quad.material = this.edges;
    renderer.setRenderTarget(this.edgesTarget);
    renderer.clear(true, false, false);
    this.quad.render(renderer);

    this.quad.material = this.weights;
    renderer.setRenderTarget(this.weightsTarget);
    renderer.clear(true, false, false);
    this.quad.render(renderer);

    this.blend.uniforms.tColor.value = input;
    this.quad.material = this.blend;
    renderer.setRenderTarget(output);
    this.quad.render(renderer);
  }

  dispose(): void {
    this.edgesTarget.dispose();
    this.weightsTarget.dispose();
    for (const material of [this.edges, this.weights, this.blend]) material.dispose();
    (this.weights.uniforms.tArea.value as THREE.Texture).dispose();
    (this.weights.uniforms.tSearch.value as THREE.Texture).dispose();
    this.quad.dispose();
  }
}
