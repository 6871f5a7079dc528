/**
 * The facts about a model a user (or an agent choosing render settings) wants at a
 * glance: how heavy it is (triangles, vertices), how big and where (bounding box, in
 * metres), what it is made of (materials, textures with their pixel sizes), what it can
 * do (animation clips, material variants) and which glTF extensions it uses.
 *
 * Counts are of what the scene draws: a mesh used by three nodes counts three times.
 *
 * ```ts
 * const facts = modelFacts(document, { extensionsUsed, extensionsRequired, textureSizes, unitsAssumed: false });
 * ```
 */
import { getBounds, Primitive, type Document, type Material, type Node, type Texture } from '@gltf-transform/core';
import { KHRMaterialsVariants } from '@gltf-transform/extensions';
import { listTextureSlots } from '@gltf-transform/functions';
import type { TextureSize } from './normalise-gltf.js';

export interface ModelFacts {
  triangles: number;
  vertices: number;
  meshes: number;
  primitives: number;
  nodes: number;
  /** World-space bounding box of the default scene; null when it has no geometry. */
  boundingBox: { min: number[]; max: number[]; size: number[]; center: number[] } | null;
  /** glTF is in metres; an OBJ carries no units, so metres are assumed (`unitsAssumed`). */
  units: 'm';
  unitsAssumed: boolean;
  materials: { name: string; alphaMode: string; doubleSided: boolean; textures: string[]; extensions: string[] }[];
  textures: { name: string; mimeType: string; width: number | null; height: number | null; bytes: number; slots: string[] }[];
  animations: { name: string; duration: number; channels: number }[];
  /** KHR_materials_variants variant names. */
  variants: string[];
  extensionsUsed: string[];
  extensionsRequired: string[];
}

export interface FactsOptions {
  extensionsUsed: string[];
  extensionsRequired: string[];
  textureSizes: ReadonlyMap<Texture, TextureSize>;
  unitsAssumed: boolean;
}

const { TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN } = Primitive.Mode;

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Every node of the default scene (or the first), parents before their children. */
export function sceneNodes(document: Document): Node[] {
  const root = document.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  const visited: Node[] = [];
  const walk = (node: Node) => {
    visited.push(node);
    node.listChildren().forEach(walk);
  };
  scene?.listChildren().forEach(walk);
  return visited;
}

function materialFacts(material: Material): ModelFacts['materials'][number] {
  const slots: [string, unknown][] = [
    ['baseColorTexture', material.getBaseColorTexture()],
    ['metallicRoughnessTexture', material.getMetallicRoughnessTexture()],
    ['normalTexture', material.getNormalTexture()],
    ['occlusionTexture', material.getOcclusionTexture()],
    ['emissiveTexture', material.getEmissiveTexture()],
  ];
  return {
    name: material.getName(),
    alphaMode: material.getAlphaMode(),
    doubleSided: material.getDoubleSided(),
    textures: slots.filter(([, texture]) => texture).map(([slot]) => slot),
    extensions: material.listExtensions().map((extension) => extension.extensionName),
  };
}

export function modelFacts(document: Document, options: FactsOptions): ModelFacts {
  const root = document.getRoot();
  let triangles = 0;
  let vertices = 0;
  let drawnPrimitives = 0;
  const nodes = sceneNodes(document);
  for (const node of nodes) {
    const mesh = node.getMesh();
    if (!mesh) continue;
    for (const primitive of mesh.listPrimitives()) {
      drawnPrimitives++;
      const positions = primitive.getAttribute('POSITION')?.getCount() ?? 0;
      const elements = primitive.getIndices()?.getCount() ?? positions;
      vertices += positions;
      const mode = primitive.getMode();
      if (mode === TRIANGLES) triangles += Math.floor(elements / 3);
      else if (mode === TRIANGLE_STRIP || mode === TRIANGLE_FAN) triangles += Math.max(0, elements - 2);
    }
  }
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  let boundingBox: ModelFacts['boundingBox'] = null;
  if (scene && drawnPrimitives > 0) {
    const { min, max } = getBounds(scene);
    if ([...min, ...max].every(Number.isFinite)) {
      boundingBox = {
        min: min.map(round),
        max: max.map(round),
        size: max.map((value, axis) => round(value - min[axis])),
        center: max.map((value, axis) => round((value + min[axis]) / 2)),
      };
    }
  }
  const variantsExtension = root.listExtensionsUsed().find((extension) => extension.extensionName === KHRMaterialsVariants.EXTENSION_NAME) as
    | KHRMaterialsVariants
    | undefined;
  return {
    triangles,
    vertices,
    meshes: root.listMeshes().length,
    primitives: root.listMeshes().reduce((total, mesh) => total + mesh.listPrimitives().length, 0),
    nodes: root.listNodes().length,
    boundingBox,
    units: 'm',
    unitsAssumed: options.unitsAssumed,
    materials: root.listMaterials().map(materialFacts),
    textures: root.listTextures().map((texture) => {
      const size = options.textureSizes.get(texture) ?? null;
      return {
        name: texture.getName() || texture.getURI(),
        mimeType: texture.getMimeType(),
        width: size?.width ?? null,
        height: size?.height ?? null,
        bytes: texture.getImage()?.byteLength ?? 0,
        slots: listTextureSlots(texture),
      };
    }),
    animations: root.listAnimations().map((animation) => ({
      name: animation.getName(),
      duration: round(Math.max(0, ...animation.listSamplers().map((sampler) => sampler.getInput()?.getMax([0])[0] ?? 0))),
      channels: animation.listChannels().length,
    })),
    variants: variantsExtension ? variantsExtension.listVariants().map((variant) => variant.getName()) : [],
    extensionsUsed: options.extensionsUsed,
    extensionsRequired: options.extensionsRequired,
  };
}
