/**
 * Writes a model as a USDZ package that AR Quick Look opens: one USDA layer
 * (`model.usda`, first in the package) with a mesh per glTF primitive under an Xform per
 * node (world transforms, Y up, metres), a UsdPreviewSurface material per glTF material,
 * and the textures as PNG or JPEG files beside it, encoded (and downscaled to
 * `LIMITS.maxUsdzTextureSide` when larger) by sharp.
 *
 * three's USDZExporter was the model for the layer's shape, but it needs a browser canvas
 * to encode textures and a three.js scene loaded through GLTFLoader; writing the layer
 * from the glTF-Transform document the ingest pipeline already has is simpler in Node and
 * lets the export say exactly what it had to leave out. Whatever USDZ (or UsdPreviewSurface)
 * cannot carry — texture transforms, vertex colours, animation, skins, morph targets,
 * material variants, lights, most material extensions — is listed in `warnings`.
 *
 * ```ts
 * const { usdz, warnings } = await exportUsdz(document);
 * ```
 */
import { Primitive, type Document, type Material, type Node, type Texture, type TextureInfo } from '@gltf-transform/core';
import sharp from 'sharp';
import { LIMITS } from '../limits.js';
import { sceneNodes } from './model-facts.js';
import { writeUsdzZip, type UsdzEntry } from './usdz-zip.js';

export interface UsdzOptions {
  /** Longest texture side written; larger textures are downscaled. */
  maxTextureSide: number;
  /** The package's default layer. */
  layerName: string;
}

export const DEFAULTS: Readonly<UsdzOptions> = { maxTextureSide: LIMITS.maxUsdzTextureSide, layerName: 'model.usda' };

export interface UsdzExport {
  usdz: Uint8Array;
  /** The layer's text, for inspection. */
  usda: string;
  warnings: string[];
}

/** Material extensions UsdPreviewSurface can carry (in part); every other one is reported. */
const CARRIED_MATERIAL_EXTENSIONS = new Set(['KHR_materials_emissive_strength', 'KHR_materials_ior', 'KHR_materials_clearcoat']);

const { TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN } = Primitive.Mode;

function number(value: number): string {
  if (!Number.isFinite(value)) return '0';
  return String(Number(value.toPrecision(7)));
}

const tuple = (values: ArrayLike<number>) => `(${Array.from(values, number).join(', ')})`;

/** USD prim names: an identifier, unique within the layer. */
class PrimNames {
  private readonly used = new Map<string, number>();
  name(wanted: string, fallback: string): string {
    let base = (wanted || fallback).replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    const count = this.used.get(base) ?? 0;
    this.used.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  }
}

function determinant(m: number[]): number {
  // Upper-left 3×3 of a column-major 4×4.
  return m[0] * (m[5] * m[10] - m[9] * m[6]) - m[4] * (m[1] * m[10] - m[9] * m[2]) + m[8] * (m[1] * m[6] - m[5] * m[2]);
}

/** Triangle vertex indices of a primitive, or null for points and lines. */
function triangleIndices(primitive: Primitive): number[] | null {
  const count = primitive.getAttribute('POSITION')?.getCount() ?? 0;
  const indices = primitive.getIndices();
  const elements: number[] = indices ? Array.from(indices.getArray() ?? [], Number) : Array.from({ length: count }, (_, index) => index);
  const mode = primitive.getMode();
  if (mode === TRIANGLES) return elements.slice(0, elements.length - (elements.length % 3));
  const triangles: number[] = [];
  if (mode === TRIANGLE_STRIP) {
    for (let i = 0; i + 2 < elements.length; i++) triangles.push(...(i % 2 === 0 ? [elements[i], elements[i + 1], elements[i + 2]] : [elements[i + 1], elements[i], elements[i + 2]]));
    return triangles;
  }
  if (mode === TRIANGLE_FAN) {
    for (let i = 1; i + 1 < elements.length; i++) triangles.push(elements[0], elements[i], elements[i + 1]);
    return triangles;
  }
  return null;
}

function attributeValues(primitive: Primitive, semantic: string): number[][] | null {
  const accessor = primitive.getAttribute(semantic);
  if (!accessor) return null;
  const values: number[][] = [];
  for (let index = 0; index < accessor.getCount(); index++) values.push(accessor.getElement(index, []));
  return values;
}

interface TextureFile {
  path: string;
  data: Uint8Array;
}

class UsdzWriter {
  readonly warnings = new Set<string>();
  /** Prim names are unique among siblings: the Xforms under Root, and the materials. */
  private readonly rootNames = new PrimNames();
  private readonly materialNames = new PrimNames();
  private readonly materialPaths = new Map<Material | null, string>();
  private readonly textureFiles = new Map<Texture, TextureFile>();
  private readonly materialBlocks: string[] = [];

  constructor(
    private readonly document: Document,
    private readonly options: UsdzOptions,
  ) {}

  async write(): Promise<UsdzExport> {
    const root = this.document.getRoot();
    this.reportDocumentLosses();
    const nodes = sceneNodes(this.document).filter((node) => node.getMesh());
    this.rootNames.name('Materials', 'Materials'); // reserved for the materials scope
    const xforms: string[] = [];
    for (const node of nodes) xforms.push(await this.nodeXform(node));
    const name = root.getDefaultScene()?.getName() || root.getAsset().generator || 'Model';
    const usda = [
      '#usda 1.0',
      '(',
      '    customLayerData = {',
      '        string creator = "Renderbay"',
      '    }',
      '    defaultPrim = "Root"',
      '    metersPerUnit = 1',
      '    upAxis = "Y"',
      ')',
      '',
      'def Xform "Root" (',
      '    assetInfo = {',
      `        string name = ${JSON.stringify(name.replace(/[^\x20-\x7e]/g, '_'))}`,
      '    }',
      '    kind = "component"',
      ')',
      '{',
      ...xforms,
      '    def Scope "Materials"',
      '    {',
      ...this.materialBlocks,
      '    }',
      '}',
      '',
    ].join('\n');
    const entries: UsdzEntry[] = [{ name: this.options.layerName, data: Buffer.from(usda, 'utf8') }];
    for (const file of this.textureFiles.values()) entries.push({ name: file.path, data: file.data });
    return { usdz: writeUsdzZip(entries), usda, warnings: [...this.warnings] };
  }

  private reportDocumentLosses(): void {
    const root = this.document.getRoot();
    if (root.listAnimations().length > 0) this.warnings.add(`Animations are not carried (${root.listAnimations().map((animation) => animation.getName() || 'unnamed').join(', ')}): the model is exported at rest`);
    if (root.listSkins().length > 0) this.warnings.add('Skins are not carried: skinned meshes are exported in their bind pose');
    const extensions = root.listExtensionsUsed().map((extension) => extension.extensionName);
    if (extensions.includes('KHR_materials_variants')) this.warnings.add('Material variants (KHR_materials_variants) are not carried: only the default materials are exported');
    if (extensions.includes('KHR_lights_punctual')) this.warnings.add('Lights (KHR_lights_punctual) are not carried: AR Quick Look lights the model itself');
    if (extensions.includes('EXT_mesh_gpu_instancing')) this.warnings.add('GPU instances (EXT_mesh_gpu_instancing) are not carried: each instanced mesh is exported once');
    if (root.listCameras().length > 0) this.warnings.add('Cameras are not carried');
  }

  private async nodeXform(node: Node): Promise<string> {
    const mesh = node.getMesh()!;
    const matrix = node.getWorldMatrix() as unknown as number[];
    const mirrored = determinant(matrix) < 0;
    const xformName = this.rootNames.name(node.getName(), 'Node');
    const meshNames = new PrimNames();
    const rows = [0, 4, 8, 12].map((start) => tuple(matrix.slice(start, start + 4))).join(', ');
    const meshes: string[] = [];
    for (const [index, primitive] of mesh.listPrimitives().entries()) {
      const block = await this.primitiveMesh(primitive, mesh.getName() || xformName, index, mirrored, meshNames);
      if (block) meshes.push(block);
    }
    return [
      `    def Xform "${xformName}"`,
      '    {',
      `        matrix4d xformOp:transform = ( ${rows} )`,
      '        uniform token[] xformOpOrder = ["xformOp:transform"]',
      ...meshes,
      '    }',
    ].join('\n');
  }

  private async primitiveMesh(primitive: Primitive, meshName: string, index: number, mirrored: boolean, names: PrimNames): Promise<string | null> {
    const triangles = triangleIndices(primitive);
    const positions = attributeValues(primitive, 'POSITION');
    if (!triangles || !positions) {
      this.warnings.add(`Points and lines are not carried (mesh ${JSON.stringify(meshName)})`);
      return null;
    }
    if (mirrored) {
      // USD has no negative-scale winding flip: reverse each triangle instead.
      for (let i = 0; i < triangles.length; i += 3) [triangles[i + 1], triangles[i + 2]] = [triangles[i + 2], triangles[i + 1]];
    }
    if (primitive.getAttribute('COLOR_0')) this.warnings.add(`Vertex colours are not carried (mesh ${JSON.stringify(meshName)})`);
    if (primitive.listTargets().length > 0) this.warnings.add(`Morph targets are not carried (mesh ${JSON.stringify(meshName)}): exported at its base shape`);
    const name = names.name(index === 0 ? meshName : `${meshName}_${index}`, 'Mesh');
    const normals = attributeValues(primitive, 'NORMAL');
    const lines = [
      `        def Mesh "${name}" (`,
      '            prepend apiSchemas = ["MaterialBindingAPI"]',
      '        )',
      '        {',
    ];
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    for (const point of positions) for (let axis = 0; axis < 3; axis++) (min[axis] = Math.min(min[axis], point[axis])), (max[axis] = Math.max(max[axis], point[axis]));
    lines.push(`            float3[] extent = [${tuple(min)}, ${tuple(max)}]`);
    lines.push(`            int[] faceVertexCounts = [${new Array(triangles.length / 3).fill(3).join(', ')}]`);
    lines.push(`            int[] faceVertexIndices = [${triangles.join(', ')}]`);
    lines.push(`            point3f[] points = [${positions.map(tuple).join(', ')}]`);
    if (normals) lines.push(`            normal3f[] normals = [${normals.map(tuple).join(', ')}] (`, '                interpolation = "vertex"', '            )');
    for (const set of [0, 1]) {
      const uvs = attributeValues(primitive, `TEXCOORD_${set}`);
      if (!uvs) continue;
      // glTF's v runs down the image, USD's t runs up.
      lines.push(`            texCoord2f[] primvars:st${set === 0 ? '' : set} = [${uvs.map(([u, v]) => tuple([u, 1 - v])).join(', ')}] (`, '                interpolation = "vertex"', '            )');
    }
    const material = primitive.getMaterial();
    lines.push(`            uniform bool doubleSided = ${material?.getDoubleSided() ? 1 : 0}`);
    lines.push('            uniform token subdivisionScheme = "none"');
    lines.push(`            rel material:binding = <${await this.materialPath(material)}>`);
    lines.push('        }');
    return lines.join('\n');
  }

  private async materialPath(material: Material | null): Promise<string> {
    const known = this.materialPaths.get(material);
    if (known) return known;
    const name = this.materialNames.name(material?.getName() ?? '', 'Material');
    const path = `/Root/Materials/${name}`;
    this.materialPaths.set(material, path);
    this.materialBlocks.push(await this.materialBlock(material, name, path));
    return path;
  }

  private async materialBlock(material: Material | null, name: string, path: string): Promise<string> {
    const inputs: string[] = [];
    const shaders: string[] = [];
    const readers = new Set<number>();
    const base = material?.getBaseColorFactor() ?? [0.8, 0.8, 0.8, 1];
    const alphaMode = material?.getAlphaMode() ?? 'OPAQUE';
    const texture = async (slot: string, info: TextureInfo | null, image: Texture | null, colourSpace: 'sRGB' | 'raw', scale: number[], bias?: number[]) => {
      if (!info || !image) return null;
      if (info.getExtension('KHR_texture_transform')) this.warnings.add(`Texture transforms (KHR_texture_transform) are not carried (material ${JSON.stringify(name)}, ${slot})`);
      const file = await this.textureFile(image);
      const set = info.getTexCoord();
      readers.add(set);
      const shader = `${slot}Texture`;
      shaders.push(
        [
          `            def Shader "${shader}"`,
          '            {',
          '                uniform token info:id = "UsdUVTexture"',
          `                asset inputs:file = @${file.path}@`,
          `                float2 inputs:st.connect = <${path}/PrimvarReader_st${set || ''}.outputs:result>`,
          `                token inputs:sourceColorSpace = "${colourSpace}"`,
          `                token inputs:wrapS = "${wrap(info.getWrapS())}"`,
          `                token inputs:wrapT = "${wrap(info.getWrapT())}"`,
          `                float4 inputs:scale = ${tuple(scale)}`,
          ...(bias ? [`                float4 inputs:bias = ${tuple(bias)}`] : []),
          '                float outputs:r',
          '                float outputs:g',
          '                float outputs:b',
          '                float outputs:a',
          '                float3 outputs:rgb',
          '            }',
        ].join('\n'),
      );
      return `${path}/${shader}.outputs`;
    };

    const baseColour = await texture('BaseColor', material?.getBaseColorTextureInfo() ?? null, material?.getBaseColorTexture() ?? null, 'sRGB', base);
    if (baseColour) inputs.push(`color3f inputs:diffuseColor.connect = <${baseColour}:rgb>`);
    else inputs.push(`color3f inputs:diffuseColor = ${tuple(base.slice(0, 3))}`);
    if (alphaMode !== 'OPAQUE') {
      inputs.push(baseColour ? `float inputs:opacity.connect = <${baseColour}:a>` : `float inputs:opacity = ${number(base[3])}`);
      if (alphaMode === 'MASK') inputs.push(`float inputs:opacityThreshold = ${number(material?.getAlphaCutoff() ?? 0.5)}`);
    }
    const metallic = material?.getMetallicFactor() ?? 1;
    const roughness = material?.getRoughnessFactor() ?? 1;
    const metallicRoughness = await texture('MetallicRoughness', material?.getMetallicRoughnessTextureInfo() ?? null, material?.getMetallicRoughnessTexture() ?? null, 'raw', [1, roughness, metallic, 1]);
    inputs.push(metallicRoughness ? `float inputs:roughness.connect = <${metallicRoughness}:g>` : `float inputs:roughness = ${number(roughness)}`);
    inputs.push(metallicRoughness ? `float inputs:metallic.connect = <${metallicRoughness}:b>` : `float inputs:metallic = ${number(metallic)}`);
    const normalScale = material?.getNormalScale() ?? 1;
    const normal = await texture('Normal', material?.getNormalTextureInfo() ?? null, material?.getNormalTexture() ?? null, 'raw', [2 * normalScale, 2 * normalScale, 2, 1], [-normalScale, -normalScale, -1, 0]);
    if (normal) inputs.push(`normal3f inputs:normal.connect = <${normal}:rgb>`);
    const occlusion = await texture('Occlusion', material?.getOcclusionTextureInfo() ?? null, material?.getOcclusionTexture() ?? null, 'raw', [1, 1, 1, 1]);
    if (occlusion) inputs.push(`float inputs:occlusion.connect = <${occlusion}:r>`);
    const strength = (material?.getExtension('KHR_materials_emissive_strength') as { getEmissiveStrength?: () => number } | null)?.getEmissiveStrength?.() ?? 1;
    const emissiveFactor = (material?.getEmissiveFactor() ?? [0, 0, 0]).map((value) => value * strength);
    const emissive = await texture('Emissive', material?.getEmissiveTextureInfo() ?? null, material?.getEmissiveTexture() ?? null, 'sRGB', [...emissiveFactor, 1]);
    if (emissive) inputs.push(`color3f inputs:emissiveColor.connect = <${emissive}:rgb>`);
    else if (emissiveFactor.some((value) => value > 0)) inputs.push(`color3f inputs:emissiveColor = ${tuple(emissiveFactor)}`);
    const ior = (material?.getExtension('KHR_materials_ior') as { getIOR?: () => number } | null)?.getIOR?.();
    if (ior !== undefined) inputs.push(`float inputs:ior = ${number(ior)}`);
    const clearcoat = material?.getExtension('KHR_materials_clearcoat') as { getClearcoatFactor?: () => number; getClearcoatRoughnessFactor?: () => number } | null;
    if (clearcoat?.getClearcoatFactor) {
      inputs.push(`float inputs:clearcoat = ${number(clearcoat.getClearcoatFactor())}`);
      inputs.push(`float inputs:clearcoatRoughness = ${number(clearcoat.getClearcoatRoughnessFactor?.() ?? 0)}`);
    }
    for (const extension of material?.listExtensions() ?? []) {
      if (!CARRIED_MATERIAL_EXTENSIONS.has(extension.extensionName)) this.warnings.add(`${extension.extensionName} is not carried (material ${JSON.stringify(name)})`);
    }

    const readerShaders = [...readers].map((set) =>
      [
        `            def Shader "PrimvarReader_st${set || ''}"`,
        '            {',
        '                uniform token info:id = "UsdPrimvarReader_float2"',
        '                float2 inputs:fallback = (0, 0)',
        `                token inputs:varname = "st${set || ''}"`,
        '                float2 outputs:result',
        '            }',
      ].join('\n'),
    );
    return [
      `        def Material "${name}"`,
      '        {',
      `            token outputs:surface.connect = <${path}/PreviewSurface.outputs:surface>`,
      '            def Shader "PreviewSurface"',
      '            {',
      '                uniform token info:id = "UsdPreviewSurface"',
      ...inputs.map((input) => `                ${input}`),
      '                int inputs:useSpecularWorkflow = 0',
      '                token outputs:surface',
      '            }',
      ...readerShaders,
      ...shaders,
      '        }',
    ].join('\n');
  }

  /** One PNG or JPEG per glTF texture, downscaled to the size limit. */
  private async textureFile(texture: Texture): Promise<TextureFile> {
    const known = this.textureFiles.get(texture);
    if (known) return known;
    const image = texture.getImage() ?? new Uint8Array();
    const index = this.textureFiles.size;
    const metadata = await sharp(image).metadata();
    const keepAsIs =
      (metadata.format === 'png' || metadata.format === 'jpeg') &&
      (metadata.width ?? 0) <= this.options.maxTextureSide &&
      (metadata.height ?? 0) <= this.options.maxTextureSide;
    let data: Uint8Array = image;
    let extension = metadata.format === 'jpeg' ? 'jpg' : 'png';
    if (!keepAsIs) {
      const resized = sharp(image).resize({ width: this.options.maxTextureSide, height: this.options.maxTextureSide, fit: 'inside', withoutEnlargement: true });
      if (metadata.format === 'jpeg' && !metadata.hasAlpha) data = await resized.jpeg({ quality: 90 }).toBuffer();
      else {
        data = await resized.png().toBuffer();
        extension = 'png';
      }
    }
    const file = { path: `textures/texture_${index}.${extension}`, data };
    this.textureFiles.set(texture, file);
    return file;
  }
}

function wrap(mode: number): string {
  return mode === 33071 ? 'clamp' : mode === 33648 ? 'mirror' : 'repeat';
}

export async function exportUsdz(document: Document, options: Partial<UsdzOptions> = {}): Promise<UsdzExport> {
  return new UsdzWriter(document, { ...DEFAULTS, ...options }).write();
}
