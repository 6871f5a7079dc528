/**
 * The albedo pass (datasetPasses "albedo"): each material's unlit base colour —
 * baseColorFactor × vertex colour × base colour texture, alpha-tested cut-outs as drawn —
 * in linear RGB, with coverage in alpha, one sample per pixel centre (as the depth pass).
 * Every mesh is drawn with a MeshBasicMaterial carrying the source material's colour,
 * maps and sidedness into a float target, which three.js writes in linear space.
 *
 * Usage:
 * ```ts
 * const albedo = new AlbedoPass(renderer, 800, 800);
 * const linear = albedo.render(scene, camera); // Float32Array RGBA, rows top-down
 * ```
 */
import * as THREE from 'three';
import { renderWithMaterials } from './material-override.js';

const NAME = 'albedo-pass';

type Coloured = THREE.Material & { color?: THREE.Color; map?: THREE.Texture | null; alphaMap?: THREE.Texture | null; vertexColors: boolean };

export class AlbedoPass {
  private readonly target: THREE.WebGLRenderTarget;
  private readonly floats: Float32Array;
  private readonly materials = new Map<THREE.Material, THREE.MeshBasicMaterial>();

  constructor(
    private readonly renderer: THREE.WebGLRenderer,
    readonly width: number,
    readonly height: number,
  ) {
    this.target = new THREE.WebGLRenderTarget(width, height, { type: THREE.FloatType, format: THREE.RGBAFormat, generateMipmaps: false, minFilter: THREE.NearestFilter, magFilter: THREE.NearestFilter });
    this.floats = new Float32Array(width * height * 4);
  }

  /** Linear RGBA floats, rows top-down, 0 where nothing was drawn; into `into` when given. */
  render(scene: THREE.Scene, camera: THREE.Camera, into?: Float32Array): Float32Array {
    const { width, height } = this;
    renderWithMaterials(this.renderer, scene, camera, this.target, this.floats, (material) => this.albedoMaterial(material));
    const output = into ?? new Float32Array(width * height * 4);
    const rowLength = width * 4;
    for (let row = 0; row < height; row++) output.set(this.floats.subarray((height - 1 - row) * rowLength, (height - row) * rowLength), row * rowLength);
    return output;
  }

  dispose(): void {
    this.target.dispose();
    for (const material of this.materials.values()) material.dispose();
  }

  private albedoMaterial(source: THREE.Material): THREE.MeshBasicMaterial {
    let material = this.materials.get(source);
    if (material) return material;
    const coloured = source as Coloured;
    material = new THREE.MeshBasicMaterial({
      color: coloured.color ?? new THREE.Color(1, 1, 1),
      map: coloured.map ?? null,
      alphaMap: coloured.alphaMap ?? null,
      alphaTest: source.alphaTest,
      vertexColors: coloured.vertexColors,
      side: source.side,
      toneMapped: false,
      fog: false,
    });
    material.name = `${NAME}:${source.name}`;
    this.materials.set(source, material);
    return material;
  }
}
