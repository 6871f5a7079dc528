/**
 * Structural checks on a glTF JSON document against its real buffers: every index
 * resolves, every accessor and buffer view stays inside its buffer, and there is
 * something to render. These are the defects that crash or corrupt a loader; the full
 * Khronos validator runs at ingest for the rest.
 */
import { RenderbayError } from '../../src/errors.js';
import { LIMITS } from '../../src/limits.js';

const COMPONENT_BYTES: Record<number, number> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 };
const TYPE_COMPONENTS: Record<string, number> = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4, MAT2: 4, MAT3: 9, MAT4: 16 };

interface GltfJson {
  asset?: { version?: string };
  buffers?: { byteLength?: number; uri?: string; extensions?: { EXT_meshopt_compression?: { fallback?: boolean } } }[];
  bufferViews?: {
    buffer: number;
    byteOffset?: number;
    byteLength: number;
    byteStride?: number;
    extensions?: { EXT_meshopt_compression?: { buffer: number; byteOffset?: number; byteLength: number } };
  }[];
  accessors?: { bufferView?: number; byteOffset?: number; componentType: number; count: number; type: string }[];
  images?: { bufferView?: number; uri?: string }[];
  meshes?: { primitives?: { attributes?: Record<string, number>; indices?: number }[] }[];
  nodes?: { mesh?: number; children?: number[] }[];
  scenes?: { nodes?: number[] }[];
  extensionsRequired?: string[];
}

const invalid = (message: string) => new RenderbayError('invalid_model', message);

function isIndex(value: unknown, length: number): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < length;
}

/**
 * @param json the parsed glTF JSON
 * @param bufferLengths the real byte length of each buffer (resolved from the BIN chunk or URIs)
 */
export function validateGltfStructure(json: unknown, bufferLengths: number[]): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('The glTF JSON is not an object');
  const gltf = json as GltfJson;
  const version = gltf.asset?.version;
  if (typeof version !== 'string' || !version.startsWith('2.')) {
    throw invalid(`Unsupported glTF version ${JSON.stringify(version)}; only glTF 2.0 is supported`);
  }
  const buffers = gltf.buffers ?? [];
  // A meshopt fallback buffer declares the size of the decoded data but carries no bytes.
  const isFallback = (index: number) => buffers[index]?.extensions?.EXT_meshopt_compression?.fallback === true;
  buffers.forEach((buffer, index) => {
    if (isFallback(index)) return;
    const real = bufferLengths[index] ?? 0;
    if (!Number.isInteger(buffer.byteLength) || (buffer.byteLength as number) > real) {
      throw invalid(`buffer ${index} declares ${buffer.byteLength} bytes but only ${real} are present (truncated?)`);
    }
  });
  const bufferViews = gltf.bufferViews ?? [];
  bufferViews.forEach((view, index) => {
    if (!isIndex(view.buffer, buffers.length)) throw invalid(`bufferView ${index} refers to missing buffer ${view.buffer}`);
    const end = (view.byteOffset ?? 0) + view.byteLength;
    if (!Number.isInteger(view.byteLength) || view.byteLength < 0 || end > (buffers[view.buffer].byteLength ?? 0)) {
      throw invalid(`bufferView ${index} (bytes ${view.byteOffset ?? 0}–${end}) reaches past the end of buffer ${view.buffer}`);
    }
    const compressed = view.extensions?.EXT_meshopt_compression;
    if (compressed) {
      const source = compressed.buffer;
      const sourceEnd = (compressed.byteOffset ?? 0) + compressed.byteLength;
      if (!isIndex(source, buffers.length) || isFallback(source) || sourceEnd > (bufferLengths[source] ?? 0)) {
        throw invalid(`bufferView ${index}'s compressed data (bytes ${compressed.byteOffset ?? 0}–${sourceEnd}) reaches past the end of buffer ${source}`);
      }
    }
  });
  (gltf.accessors ?? []).forEach((accessor, index) => {
    const componentBytes = COMPONENT_BYTES[accessor.componentType];
    const components = TYPE_COMPONENTS[accessor.type];
    if (!componentBytes || !components) throw invalid(`accessor ${index} has an unknown type ${accessor.type}/${accessor.componentType}`);
    if (!Number.isInteger(accessor.count) || accessor.count < 1) throw invalid(`accessor ${index} has an invalid count ${accessor.count}`);
    if (accessor.bufferView === undefined) return; // all zeros (or sparse), nothing to read
    if (!isIndex(accessor.bufferView, bufferViews.length)) {
      throw invalid(`accessor ${index} refers to missing bufferView ${accessor.bufferView}`);
    }
    const view = bufferViews[accessor.bufferView];
    const elementBytes = componentBytes * components;
    const stride = view.byteStride ?? elementBytes;
    const end = (accessor.byteOffset ?? 0) + stride * (accessor.count - 1) + elementBytes;
    if (end > view.byteLength) {
      throw invalid(
        `accessor ${index} (${accessor.count} × ${accessor.type}) needs ${end} bytes but bufferView ${accessor.bufferView} has ${view.byteLength}: it points past its buffer`,
      );
    }
  });
  (gltf.images ?? []).forEach((image, index) => {
    if (image.bufferView !== undefined && !isIndex(image.bufferView, bufferViews.length)) {
      throw invalid(`image ${index} refers to missing bufferView ${image.bufferView}`);
    }
  });
  const meshes = gltf.meshes ?? [];
  let primitives = 0;
  meshes.forEach((mesh, meshIndex) => {
    (mesh.primitives ?? []).forEach((primitive, primitiveIndex) => {
      primitives++;
      const references = [...Object.values(primitive.attributes ?? {}), ...(primitive.indices === undefined ? [] : [primitive.indices])];
      for (const accessor of references) {
        if (!isIndex(accessor, (gltf.accessors ?? []).length)) {
          throw invalid(`mesh ${meshIndex} primitive ${primitiveIndex} refers to missing accessor ${accessor}`);
        }
      }
    });
  });
  if (primitives > LIMITS.maxPrimitives) throw invalid(`the model has ${primitives} primitives; the limit is ${LIMITS.maxPrimitives}`);
  const nodes = gltf.nodes ?? [];
  const rendersAMesh = nodes.some((node) => node.mesh !== undefined && isIndex(node.mesh, meshes.length));
  if (meshes.length === 0 || primitives === 0 || !rendersAMesh) {
    throw invalid('The model has no meshes to render (the scene contains no geometry)');
  }
}
