/**
 * From a path on disk to one self-contained, uncompressed GLB that three's GLTFLoader can
 * parse: the format is sniffed from the bytes (not trusted from the extension), the
 * container and structure are validated against the real buffers, a .gltf's external
 * URIs are resolved only inside its own folder, and Draco / meshopt geometry is decoded
 * with glTF-Transform. Every failure is an `invalid_format` or `invalid_model` error.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Document } from '@gltf-transform/core';
import { EXTMeshoptCompression, KHRDracoMeshCompression } from '@gltf-transform/extensions';
import { RenderbayError } from '../../src/errors.js';
import { applyMaterialVariant } from '../../src/gltf/material-variants.js';
import { createGltfIO } from '../../src/ingest/gltf-io.js';
import { LIMITS } from '../../src/limits.js';
import { isGlb, readGlbContainer } from './glb-container.js';
import { validateGltfStructure } from './validate-structure.js';

const UNSUPPORTED_EXTENSIONS = ['KHR_texture_basisu'];

export interface ModelSource {
  /** One GLB with every resource embedded and no geometry compression. */
  glb: Uint8Array;
  /** glTF extensions the model uses. */
  extensionsUsed: string[];
}

export interface ReadOptions {
  /** A KHR_materials_variants variant: its materials replace the primitives' defaults in the GLB (three's GLTFLoader has no plugin for the extension). */
  materialVariant?: string | null;
}

export async function readModel(modelPath: string, options: ReadOptions = {}): Promise<ModelSource> {
  const bytes = await readModelBytes(modelPath);
  let json: unknown;
  let resources: Record<string, Uint8Array<ArrayBuffer>> = {};
  let bufferLengths: number[];
  if (isGlb(bytes)) {
    const container = readGlbContainer(bytes);
    json = container.json;
    bufferLengths = [container.bin?.byteLength ?? 0];
  } else if (looksLikeJson(bytes)) {
    json = parseGltfJson(bytes);
    resources = await resolveExternalResources(json, path.dirname(path.resolve(modelPath)));
    const buffers = ((json as { buffers?: { uri?: string }[] }).buffers ?? []);
    bufferLengths = buffers.map((buffer) => (buffer.uri ? resources[buffer.uri]?.byteLength ?? 0 : 0));
  } else {
    const head = Buffer.from(bytes.subarray(0, 4)).toString('hex').replace(/(..)/g, '$1 ').trim();
    throw new RenderbayError('invalid_format', `Not a GLB or glTF file (it starts with bytes ${head}); expected .glb or .gltf`);
  }
  validateGltfStructure(json, bufferLengths);
  const extensionsUsed = ((json as { extensionsUsed?: string[] }).extensionsUsed ?? []).filter((name) => typeof name === 'string');
  const unsupported = extensionsUsed.filter((name) => UNSUPPORTED_EXTENSIONS.includes(name));
  if (unsupported.length > 0) {
    throw new RenderbayError('unsupported_extension', `The model uses ${unsupported.join(', ')}, which Renderbay cannot decode yet`);
  }
  const io = await createGltfIO(extensionsUsed);
  let document: Document;
  try {
    document = isGlb(bytes) ? await io.readBinary(bytes) : await io.readJSON({ json: json as never, resources });
  } catch (error) {
    throw new RenderbayError('invalid_model', `The model could not be read: ${(error as Error).message}`);
  }
  // Geometry is decoded on read; dropping the extensions writes it back uncompressed.
  for (const extension of document.getRoot().listExtensionsUsed()) {
    if (extension.extensionName === KHRDracoMeshCompression.EXTENSION_NAME || extension.extensionName === EXTMeshoptCompression.EXTENSION_NAME) {
      extension.dispose();
    }
  }
  if (options.materialVariant) applyMaterialVariant(document, options.materialVariant);
  const glb = await io.writeBinary(document);
  return { glb, extensionsUsed };
}

async function readModelBytes(modelPath: string): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await stat(modelPath);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    throw new RenderbayError('file_not_found', `Model file not found: ${modelPath}`, 404);
  }
  if (size > LIMITS.maxModelBytes) {
    throw new RenderbayError('file_too_large', `The model is ${(size / 1e6).toFixed(1)} MB; the limit is ${LIMITS.maxModelBytes / 1024 / 1024} MB`);
  }
  if (size === 0) throw new RenderbayError('invalid_format', 'The model file is empty');
  return new Uint8Array(await readFile(modelPath));
}

/** Whether the bytes open like a JSON document (a .gltf), skipping whitespace and a BOM. */
export function looksLikeJson(bytes: Uint8Array): boolean {
  for (const byte of bytes.subarray(0, 64)) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
    return byte === 0x7b; // '{'
  }
  return false;
}

/** A .gltf file's JSON, or an invalid_model error saying why it is not JSON. */
export function parseGltfJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new RenderbayError('invalid_model', `The .gltf file is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Loads every buffer and image URI of a .gltf. data: URIs are decoded; relative paths are
 * read only if they stay inside the model's folder. Absolute paths, `..` escapes and any
 * other scheme (file:, http:) are refused: a model must never make Renderbay read
 * arbitrary files or reach the network.
 */
async function resolveExternalResources(json: unknown, folder: string): Promise<Record<string, Uint8Array<ArrayBuffer>>> {
  const gltf = json as { buffers?: { uri?: string }[]; images?: { uri?: string; mimeType?: string }[] };
  const resources: Record<string, Uint8Array<ArrayBuffer>> = {};
  const entries = [
    ...(gltf.buffers ?? []).map((item, index) => ({ item, label: `buffer ${index}` })),
    ...(gltf.images ?? []).map((item, index) => ({ item, label: `image ${index}` })),
  ];
  let synthetic = 0;
  for (const { item, label } of entries) {
    const uri = item?.uri;
    if (typeof uri !== 'string') continue;
    if (uri.startsWith('data:')) {
      const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(uri);
      if (!match) throw new RenderbayError('invalid_model', `${label} has a malformed data: URI`);
      const data = match[2] ? Buffer.from(match[3], 'base64') : Buffer.from(decodeURIComponent(match[3]), 'utf8');
      const key = `renderbay-embedded-${synthetic++}`;
      resources[key] = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
      item.uri = key;
      if (label.startsWith('image') && match[1] && !(item as { mimeType?: string }).mimeType) (item as { mimeType?: string }).mimeType = match[1];
      continue;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(uri);
    } catch {
      throw new RenderbayError('invalid_model', `${label} has a malformed URI ${JSON.stringify(uri)}`);
    }
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(decoded) || path.isAbsolute(decoded) || decoded.startsWith('\\') || /^[a-zA-Z]:/.test(decoded)) {
      throw new RenderbayError('invalid_model', `${label} refers to ${JSON.stringify(uri)}: only data: URIs and files next to the model are allowed`);
    }
    const resolved = path.resolve(folder, decoded);
    const relative = path.relative(folder, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new RenderbayError('invalid_model', `${label} refers to ${JSON.stringify(uri)}, which is outside the model's folder`);
    }
    try {
      resources[uri] = new Uint8Array(await readFile(resolved));
    } catch {
      throw new RenderbayError('invalid_model', `${label} refers to ${JSON.stringify(uri)}, which does not exist next to the model`);
    }
  }
  return resources;
}
