/**
 * Normalises a model once, at ingest, so every render loads it fast and every consumer
 * (renderer, USDZ export, a user's own viewer) can read it without special decoders:
 *
 * - Draco and meshopt geometry is stored decoded (it was decoded on read);
 * - quantised attributes (`KHR_mesh_quantization`) become plain floats;
 * - WebP and AVIF textures become PNG (with alpha) or JPEG (opaque), encoded by sharp;
 * - every texture is checked before anything decodes it: it must be a readable image and
 *   declare no more than `LIMITS.maxTextureSide` per side and `LIMITS.maxTexturePixels`.
 *
 * `needsRewrite` tells whether the document changed; an upload that is already a plain
 * GLB is stored byte for byte.
 *
 * ```ts
 * const { glb, notes } = await normaliseGltf(source.document, { sourceIsGlb: true });
 * ```
 */
import type { Document, Texture } from '@gltf-transform/core';
import { EXTTextureAVIF, EXTTextureWebP, KHRMeshQuantization } from '@gltf-transform/extensions';
import { dequantize } from '@gltf-transform/functions';
import sharp, { type Metadata } from 'sharp';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { createGltfIO, GEOMETRY_COMPRESSION_EXTENSIONS } from './gltf-io.js';

export interface NormaliseOptions {
  /** The upload was a GLB: when nothing needs changing, no new file is written. */
  sourceIsGlb: boolean;
  /** JPEG quality for converted opaque WebP/AVIF textures. */
  jpegQuality: number;
}

export const DEFAULTS: Readonly<NormaliseOptions> = { sourceIsGlb: false, jpegQuality: 92 };

export interface TextureSize {
  width: number;
  height: number;
}

export interface NormalisedModel {
  /** The normalised GLB, or null when the uploaded GLB is already normal and is stored as it is. */
  glb: Uint8Array | null;
  /** What was changed, one line each (stored as information on the model). */
  notes: string[];
  /** Each texture's pixel size, read from its header. */
  textureSizes: Map<Texture, TextureSize>;
}

const REENCODED_MIME_TYPES = new Set(['image/webp', 'image/avif']);

function textureLabel(texture: Texture, index: number): string {
  const name = texture.getName() || texture.getURI();
  return `texture ${index}${name ? ` (${JSON.stringify(name)})` : ''}`;
}

/** Reads a texture's header (never its pixels) and enforces the size limits. */
/** A texture image's size and format, and whether it has alpha; one unreadable or without pixels is refused. */
export async function readTextureImage(image: Uint8Array, label: string): Promise<TextureSize & { hasAlpha: boolean; format: string }> {
  let metadata: Metadata;
  try {
    metadata = await sharp(image, { limitInputPixels: false }).metadata();
  } catch {
    throw new RenderbayError('invalid_model', `${label} is not a readable PNG, JPEG, WebP or AVIF image`);
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width < 1 || height < 1) throw new RenderbayError('invalid_model', `${label} has no pixels`);
  return { width, height, hasAlpha: metadata.hasAlpha === true, format: metadata.format ?? 'unknown' };
}

/** Refuses a texture larger than the renderer decodes (its declared size, before any pixel is decoded). */
export function assertTextureSize({ width, height }: TextureSize, label: string): void {
  if (width > LIMITS.maxTextureSide || height > LIMITS.maxTextureSide || width * height > LIMITS.maxTexturePixels) {
    throw new RenderbayError(
      'invalid_model',
      `${label} declares ${width}×${height} pixels; the limit is ${LIMITS.maxTextureSide}×${LIMITS.maxTextureSide}`,
    );
  }
}

/** A readable texture image within the size limits: readTextureImage, then assertTextureSize. */
export async function checkTextureImage(image: Uint8Array, label: string): Promise<TextureSize & { hasAlpha: boolean; format: string }> {
  const info = await readTextureImage(image, label);
  assertTextureSize(info, label);
  return info;
}

export async function normaliseGltf(document: Document, options: Partial<NormaliseOptions> = {}): Promise<NormalisedModel> {
  const settings = { ...DEFAULTS, ...options };
  const root = document.getRoot();
  const notes: string[] = [];
  let changed = !settings.sourceIsGlb;

  for (const extension of [...root.listExtensionsUsed()]) {
    if (GEOMETRY_COMPRESSION_EXTENSIONS.includes(extension.extensionName)) {
      extension.dispose(); // geometry was decoded on read; written back plain
      notes.push(`${extension.extensionName} geometry was decoded`);
      changed = true;
    }
  }
  if (root.listExtensionsUsed().some((extension) => extension.extensionName === KHRMeshQuantization.EXTENSION_NAME)) {
    await document.transform(dequantize());
    root.listExtensionsUsed().find((extension) => extension.extensionName === KHRMeshQuantization.EXTENSION_NAME)?.dispose();
    notes.push('quantised vertex attributes (KHR_mesh_quantization) were converted to floats');
    changed = true;
  }

  const textureSizes = new Map<Texture, TextureSize>();
  const textures = root.listTextures();
  for (const [index, texture] of textures.entries()) {
    const image = texture.getImage();
    const label = textureLabel(texture, index);
    if (!image) throw new RenderbayError('invalid_model', `${label} has no image data`);
    const info = await checkTextureImage(image, label);
    textureSizes.set(texture, { width: info.width, height: info.height });
    const mimeType = texture.getMimeType() || `image/${info.format}`;
    if (!REENCODED_MIME_TYPES.has(mimeType) && !(info.format === 'webp' || info.format === 'heif')) continue;
    const encoder = sharp(image);
    const converted = info.hasAlpha ? await encoder.png({ compressionLevel: 9 }).toBuffer() : await encoder.jpeg({ quality: settings.jpegQuality }).toBuffer();
    const targetType = info.hasAlpha ? 'image/png' : 'image/jpeg';
    texture.setImage(new Uint8Array(converted)).setMimeType(targetType);
    const uri = texture.getURI();
    if (uri) texture.setURI(uri.replace(/\.(webp|avif)$/i, info.hasAlpha ? '.png' : '.jpg'));
    notes.push(`${label} was converted from ${mimeType} to ${targetType}`);
    changed = true;
  }
  for (const extension of [...root.listExtensionsUsed()]) {
    if (extension.extensionName === EXTTextureWebP.EXTENSION_NAME || extension.extensionName === EXTTextureAVIF.EXTENSION_NAME) extension.dispose();
  }

  if (!changed) return { glb: null, notes, textureSizes };
  const io = await createGltfIO([]);
  return { glb: await io.writeBinary(document), notes, textureSizes };
}
