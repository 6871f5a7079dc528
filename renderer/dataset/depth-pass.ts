/**
 * The depth pass: z-depth (distance along the camera's viewing axis) of the nearest
 * surface at each pixel centre, in millimetres as 16-bit integers, 0 where no surface is.
 *
 * It renders at the output size, one sample per pixel at its centre, never supersampled:
 * averaging depths across a silhouette would invent surfaces between foreground and
 * background. Each mesh is drawn with a MeshDepthMaterial (which handles morph targets,
 * texture transforms, alpha-tested cut-outs and the material's sidedness as the colour
 * pass does) patched to write the view-space z, interpolated perspective-correctly, into
 * a float target (WebGL 1 has no depth textures; float colour targets work here).
 *
 * Usage:
 * ```ts
 * const depth = new DepthPass(renderer, 800, 800);
 * const millimetres = depth.render(scene, camera); // Uint16Array, rows top-down
 * ```
 */
import * as THREE from 'three';
import { renderWithMaterials } from './material-override.js';

const NAME = 'depth-pass';

/** Depth-map values per scene unit (the dataset's units are metres). */
export const MILLIMETRES_PER_UNIT = 1000;

export class DepthPass {
  private readonly target: THREE.WebGLRenderTarget;
  private readonly floats: Float32Array;
  private readonly depthMaterials = new Map<THREE.Material, THREE.MeshDepthMaterial>();

  constructor(
    private readonly renderer: THREE.WebGLRenderer,
    readonly width: number,
    readonly height: number,
  ) {
    this.target = new THREE.WebGLRenderTarget(width, height, {
      type: THREE.FloatType,
      format: THREE.RGBAFormat,
      depthBuffer: true,
      stencilBuffer: false,
      generateMipmaps: false,
      minFilter: THREE.NearestFilter,
      magFilter: THREE.NearestFilter,
    });
    this.floats = new Float32Array(width * height * 4);
  }

  /**
   * Renders the scene's depth from `camera`: millimetres, rows top-down, 0 = background;
   * written into `into` (width × height values) when given. `extras` receive the same
   * pixels as float metres (0 = background) and as world-space unit normals in three.js
   * axes (x, y, z per pixel; 0 = background), from the same render.
   */
  render(scene: THREE.Scene, camera: THREE.Camera, into?: Uint16Array, extras: { metres?: Float32Array; normals?: Float32Array } = {}): Uint16Array {
    const { width, height } = this;
    renderWithMaterials(this.renderer, scene, camera, this.target, this.floats, (material) => this.depthMaterial(material));

    const millimetres = into ?? new Uint16Array(width * height);
    const { floats } = this;
    for (let row = 0; row < height; row++) {
      const source = (height - 1 - row) * width * 4; // GL rows are bottom-up
      const destination = row * width;
      for (let column = 0; column < width; column++) {
        const z = floats[source + column * 4];
        // Every pixel is written: `into` still holds an earlier view. Background (cleared to 0) stays 0.
        millimetres[destination + column] = z > 0 ? Math.min(65535, Math.max(1, Math.round(z * MILLIMETRES_PER_UNIT))) : 0;
        if (extras.metres) extras.metres[destination + column] = z > 0 ? z : 0;
        if (extras.normals) {
          const at = (destination + column) * 3;
          for (let axis = 0; axis < 3; axis++) extras.normals[at + axis] = z > 0 ? floats[source + column * 4 + 1 + axis] : 0;
        }
      }
    }
    return millimetres;
  }

  dispose(): void {
    this.target.dispose();
    for (const material of this.depthMaterials.values()) material.dispose();
  }

  private depthMaterial(source: THREE.Material): THREE.MeshDepthMaterial {
    let material = this.depthMaterials.get(source);
    if (material) return material;
    const textured = source as THREE.Material & { map?: THREE.Texture | null; alphaMap?: THREE.Texture | null };
    material = new THREE.MeshDepthMaterial({
      depthPacking: THREE.BasicDepthPacking, // makes the shader include opacity, which alpha testing needs
      map: source.alphaTest > 0 ? (textured.map ?? null) : null,
      alphaMap: source.alphaTest > 0 ? (textured.alphaMap ?? null) : null,
      alphaTest: source.alphaTest,
      opacity: source.opacity,
      side: source.side,
    });
    material.name = `${NAME}:${source.name}`;
    material.onBeforeCompile = (shader) => {
      shader.vertexShader = shader.vertexShader
        .replace('void main() {', 'varying float vRenderbayViewZ;\nvarying vec3 vRenderbayWorldNormal;\nvoid main() {')
        .replace(
          '#include <project_vertex>',
          '#include <project_vertex>\n\tvRenderbayViewZ = - mvPosition.z;\n\tvRenderbayWorldNormal = inverseTransformDirection( normalMatrix * normal, viewMatrix );',
        );
      // Appended after the material's own output (and after its alpha test discards).
      shader.fragmentShader = shader.fragmentShader
        .replace('void main() {', 'varying float vRenderbayViewZ;\nvarying vec3 vRenderbayWorldNormal;\nvoid main() {')
        // The world normal of the side facing the camera (back faces of double-sided materials flipped).
        .replace(
          /}\s*$/,
          '\tvec3 worldNormal = length( vRenderbayWorldNormal ) > 0.0 ? normalize( vRenderbayWorldNormal ) : vec3( 0.0 );\n\tgl_FragColor = vec4( vRenderbayViewZ, gl_FrontFacing ? worldNormal : - worldNormal );\n}\n',
        );
    };
    material.customProgramCacheKey = () => NAME;
    this.depthMaterials.set(source, material);
    return material;
  }
}
