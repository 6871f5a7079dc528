/**
 * Points on the model's real surface, for trainers that start from a point cloud (3D
 * Gaussian Splatting starts from COLMAP's; without one it scatters random points).
 *
 * Points are drawn uniformly by area over every visible triangle (a triangle twice as
 * large gets twice the points), at uniform barycentric positions, in world space as
 * rendered (node transforms, morph targets and GPU instances applied). Each point carries
 * the surface normal there and the material's base colour: baseColorFactor × instance
 * colour × vertex colour × base colour texture (nearest texel, with the texture's UV set,
 * transform and wrapping), encoded as 8-bit sRGB. Points where an alpha-tested or blended
 * material is see-through are drawn again elsewhere. The random sequence is seeded: a
 * model always gets the same points.
 *
 * Usage:
 * ```ts
 * const cloud = sampleSurfacePoints(scene, { count: 100_000 });
 * ```
 */
import * as THREE from 'three';
import { forEachMeshInstance } from './dataset-frame.js';
import { mulberry32 } from '../../src/seeded-random.js';

export interface SurfacePointsOptions {
  /** Points to draw. */
  count: number;
  /** Seed of the random sequence. */
  seed: number;
}

export const DEFAULTS: SurfacePointsOptions = { count: 100_000, seed: 1 };

export interface SurfacePoints {
  count: number;
  /** x, y, z per point, world space. */
  positions: Float32Array;
  /** Unit normal per point, world space. */
  normals: Float32Array;
  /** sRGB red, green, blue per point. */
  colours: Uint8Array;
}

interface Triangle {
  mesh: SampledMesh;
  /** Index of its first corner in the mesh's corner list (three corners). */
  corner: number;
  material: THREE.Material;
}

interface SampledMesh {
  positions: Float32Array;
  normals: Float32Array | null;
  colours: THREE.BufferAttribute | THREE.InterleavedBufferAttribute | null;
  uvs: Map<number, THREE.BufferAttribute | THREE.InterleavedBufferAttribute>;
  /** Vertex index of every corner, three per triangle. */
  corners: Uint32Array;
  /** Per-instance colour of an instanced mesh. */
  tint: THREE.Color | null;
}

/** Gives up on see-through spots after this many draws per point (a fully transparent model). */
const MAX_DRAWS_PER_POINT = 20;

export function sampleSurfacePoints(root: THREE.Object3D, options: Partial<SurfacePointsOptions> = {}): SurfacePoints {
  const { count, seed } = { ...DEFAULTS, ...options };
  root.updateMatrixWorld(true);
  const triangles: Triangle[] = [];
  const areas: number[] = [];
  forEachMeshInstance(root, (mesh, matrixWorld, tint) => collectTriangles(mesh, matrixWorld, tint, triangles, areas));
  const cumulative = new Float64Array(areas.length);
  let total = 0;
  areas.forEach((area, index) => (cumulative[index] = total += area));

  const positions = new Float32Array(count * 3);
  const normals = new Float32Array(count * 3);
  const colours = new Uint8Array(count * 3);
  if (!(total > 0)) return { count: 0, positions: positions.subarray(0, 0), normals: normals.subarray(0, 0), colours: colours.subarray(0, 0) };

  const random = mulberry32(seed);
  const point = new THREE.Vector3();
  const normal = new THREE.Vector3();
  const colour = new THREE.Vector4();
  let written = 0;
  for (let draw = 0; written < count && draw < count * MAX_DRAWS_PER_POINT; draw++) {
    const triangle = triangles[upperBound(cumulative, random() * total)];
    // Uniform over the triangle: √r1 spreads the first coordinate by area.
    const root1 = Math.sqrt(random());
    const second = random();
    const weights: [number, number, number] = [1 - root1, root1 * (1 - second), root1 * second];
    interpolate(triangle, weights, point, normal);
    surfaceColour(triangle, weights, colour);
    if (colour.w < alphaCutoff(triangle.material)) continue;
    positions.set([point.x, point.y, point.z], written * 3);
    normals.set([normal.x, normal.y, normal.z], written * 3);
    colours.set([encodeSrgb(colour.x), encodeSrgb(colour.y), encodeSrgb(colour.z)], written * 3);
    written++;
  }
  return { count: written, positions: positions.subarray(0, written * 3), normals: normals.subarray(0, written * 3), colours: colours.subarray(0, written * 3) };
}

/** Alpha below which a surface point is see-through and not kept. */
function alphaCutoff(material: THREE.Material): number {
  if (material.alphaTest > 0) return material.alphaTest;
  return material.transparent ? 0.02 : -Infinity;
}

function collectTriangles(mesh: THREE.Mesh, matrixWorld: THREE.Matrix4, tint: THREE.Color | null, triangles: Triangle[], areas: number[]): void {
  const geometry = mesh.geometry;
  const position = geometry.getAttribute('position');
  const vertex = new THREE.Vector3();
  const positions = new Float32Array(position.count * 3);
  for (let index = 0; index < position.count; index++) {
    mesh.getVertexPosition(index, vertex).applyMatrix4(matrixWorld);
    positions.set([vertex.x, vertex.y, vertex.z], index * 3);
  }
  const normalAttribute = geometry.getAttribute('normal');
  let normals: Float32Array | null = null;
  if (normalAttribute) {
    // Morph targets move normals too, but a normal only orients a point: the rest pose will do.
    const normalMatrix = new THREE.Matrix3().getNormalMatrix(matrixWorld);
    normals = new Float32Array(normalAttribute.count * 3);
    for (let index = 0; index < normalAttribute.count; index++) {
      vertex.fromBufferAttribute(normalAttribute, index).applyMatrix3(normalMatrix).normalize();
      normals.set([vertex.x, vertex.y, vertex.z], index * 3);
    }
  }
  const uvs = new Map<number, THREE.BufferAttribute | THREE.InterleavedBufferAttribute>();
  for (let channel = 0; channel < 4; channel++) {
    const uv = geometry.getAttribute(channel === 0 ? 'uv' : `uv${channel}`);
    if (uv) uvs.set(channel, uv);
  }
  const index = geometry.getIndex();
  const cornerCount = index ? index.count : position.count;
  const corners = new Uint32Array(cornerCount - (cornerCount % 3));
  for (let corner = 0; corner < corners.length; corner++) corners[corner] = index ? index.getX(corner) : corner;
  const sampled: SampledMesh = { positions, normals, colours: geometry.getAttribute('color') ?? null, uvs, corners, tint };

  const materials = Array.isArray(mesh.material) ? mesh.material : [mesh.material];
  const groups = Array.isArray(mesh.material) && geometry.groups.length > 0 ? geometry.groups : [{ start: 0, count: corners.length, materialIndex: 0 }];
  const a = new THREE.Vector3();
  const b = new THREE.Vector3();
  const c = new THREE.Vector3();
  for (const group of groups) {
    const material = materials[group.materialIndex ?? 0];
    if (!material || !material.visible) continue;
    // The texture transform surfaceColour reads, brought up to date once here rather than per point.
    const map = (material as THREE.Material & { map?: THREE.Texture | null }).map;
    if (map?.matrixAutoUpdate) map.updateMatrix();
    const end = Math.min(corners.length, group.start + group.count);
    for (let corner = group.start; corner + 3 <= end; corner += 3) {
      a.fromArray(positions, corners[corner] * 3);
      b.fromArray(positions, corners[corner + 1] * 3);
      c.fromArray(positions, corners[corner + 2] * 3);
      const area = b.sub(a).cross(c.sub(a)).length() / 2;
      if (!(area > 0)) continue;
      triangles.push({ mesh: sampled, corner, material });
      areas.push(area);
    }
  }
}

function interpolate(triangle: Triangle, weights: [number, number, number], point: THREE.Vector3, normal: THREE.Vector3): void {
  const { positions, normals, corners } = triangle.mesh;
  point.set(0, 0, 0);
  normal.set(0, 0, 0);
  for (let k = 0; k < 3; k++) {
    const vertex = corners[triangle.corner + k] * 3;
    point.x += weights[k] * positions[vertex];
    point.y += weights[k] * positions[vertex + 1];
    point.z += weights[k] * positions[vertex + 2];
    if (normals) {
      normal.x += weights[k] * normals[vertex];
      normal.y += weights[k] * normals[vertex + 1];
      normal.z += weights[k] * normals[vertex + 2];
    }
  }
  if (normal.lengthSq() > 1e-20) {
    normal.normalize();
    return;
  }
  // No (or degenerate) vertex normals: the face normal.
  const [a, b, c] = [0, 1, 2].map((k) => new THREE.Vector3().fromArray(positions, corners[triangle.corner + k] * 3));
  normal.copy(b.sub(a).cross(c.sub(a))).normalize();
}

/** Scratch for surfaceColour's transformed texture coordinates. */
const textureUv = new THREE.Vector3();

/** Linear RGB and alpha of the material's base colour at the point. */
function surfaceColour(triangle: Triangle, weights: [number, number, number], colour: THREE.Vector4): void {
  const material = triangle.material as THREE.Material & { color?: THREE.Color; map?: THREE.Texture | null; vertexColors?: boolean };
  const base = material.color;
  colour.set(base?.r ?? 1, base?.g ?? 1, base?.b ?? 1, material.opacity);
  const { colours, corners, tint } = triangle.mesh;
  if (tint) {
    colour.x *= tint.r;
    colour.y *= tint.g;
    colour.z *= tint.b;
  }
  if (material.vertexColors && colours) {
    const vertexColour = [0, 0, 0, 0];
    const channels = colours.itemSize >= 4 ? 4 : 3;
    for (let k = 0; k < 3; k++) {
      const vertex = corners[triangle.corner + k];
      for (let channel = 0; channel < channels; channel++) vertexColour[channel] += weights[k] * colours.getComponent(vertex, channel);
    }
    colour.x *= vertexColour[0];
    colour.y *= vertexColour[1];
    colour.z *= vertexColour[2];
    if (channels === 4) colour.w *= vertexColour[3];
  }
  const map = material.map;
  const image = map?.image as { data?: ArrayLike<number>; width?: number; height?: number } | undefined;
  const uv = map ? triangle.mesh.uvs.get(map.channel) : undefined;
  if (!map || !uv || !image?.data || !image.width || !image.height || image.data.length < image.width * image.height * 4) return;
  let u = 0;
  let v = 0;
  for (let k = 0; k < 3; k++) {
    const vertex = corners[triangle.corner + k];
    u += weights[k] * uv.getX(vertex);
    v += weights[k] * uv.getY(vertex);
  }
  const transformed = textureUv.set(u, v, 1).applyMatrix3(map.matrix); // map.matrix updated in collectTriangles
  // glTF textures are not flipped (flipY false): v runs down the image rows.
  const column = wrap(Math.floor(transformed.x * image.width), image.width, map.wrapS);
  const row = wrap(Math.floor(transformed.y * image.height), image.height, map.wrapT);
  const texel = (row * image.width + column) * 4;
  // Base colour textures hold sRGB bytes (decoded in the shader when rendering).
  colour.x *= decodeSrgb(image.data[texel] / 255);
  colour.y *= decodeSrgb(image.data[texel + 1] / 255);
  colour.z *= decodeSrgb(image.data[texel + 2] / 255);
  colour.w *= image.data[texel + 3] / 255;
}

function wrap(texel: number, size: number, mode: THREE.Wrapping): number {
  if (mode === THREE.ClampToEdgeWrapping) return Math.min(size - 1, Math.max(0, texel));
  const period = mode === THREE.MirroredRepeatWrapping ? size * 2 : size;
  const repeated = ((texel % period) + period) % period;
  return repeated < size ? repeated : period - 1 - repeated;
}

function decodeSrgb(value: number): number {
  return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
}

function encodeSrgb(linear: number): number {
  const value = Math.min(1, Math.max(0, linear));
  const encoded = value <= 0.0031308 ? value * 12.92 : 1.055 * value ** (1 / 2.4) - 0.055;
  return Math.round(encoded * 255);
}

/** First index whose cumulative value exceeds `value` (binary search). */
function upperBound(cumulative: Float64Array, value: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (cumulative[middle] > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

