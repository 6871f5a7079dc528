/**
 * The ingest pipeline: one uploaded or downloaded file in, one normalised GLB out, with
 * the Khronos validator's report, the warnings a user should see and the model's facts.
 *
 * ```
 * .glb / .gltf ───────────────────────────────┐
 * .zip ─► unpack safely ─► one .gltf/.glb ────┼─► validate ─► read (checked, decoded) ─► normalise ─► facts
 *                      └─► one .obj ─► obj2gltf (matte) ─┘      (Khronos)
 * ```
 *
 * Outcomes:
 * - a thrown `RenderbayError` refuses the upload (`unsafe_archive`, `invalid_format`,
 *   `unsupported_extension`): nothing about it is worth keeping — and a file that is not
 *   recognisably a model (JSON that is not glTF: src/ingest/gltf-json-identity.ts) is never kept;
 * - `invalidReason` set: the upload is a model but a broken one (it cannot be read, or the
 *   validator found errors that break rendering); it is kept and marked invalid, with
 *   the reason and the report, so the user can see what is wrong;
 * - otherwise `glbPath` is the normalised GLB (or null when the uploaded GLB is already
 *   normal and is stored as it is).
 *
 * Everything is written inside `workDirectory`, which the caller creates and removes.
 *
 * ```ts
 * const result = await ingestModelFile(uploadPath, { workDirectory, format: 'zip', originalName: 'scan.zip' });
 * ```
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Document } from '@gltf-transform/core';
import { RenderbayError } from '../errors.js';
import type { ModelFormat } from '../models/model-format.js';
import { classifyArchive, filesBeside } from './archive-contents.js';
import { assertGltfJson } from './gltf-json-identity.js';
import { modelFacts, type ModelFacts } from './model-facts.js';
import { normaliseGltf } from './normalise-gltf.js';
import { objScanToGlb } from './obj-scan-to-glb.js';
import { readGltfSource, type GltfSourceInput } from './read-gltf-source.js';
import { blockingSummary, validateGltf, type ValidationReport } from './validate-gltf.js';
import { extractArchive } from './zip-archive.js';

export type SourceFormat = 'glb' | 'gltf' | 'obj-zip' | 'gltf-zip' | 'glb-zip';

export interface IngestOptions {
  /** A private, existing folder for everything the pipeline writes. */
  workDirectory: string;
  /** The sniffed format of the file. */
  format: ModelFormat;
  /** URL ingest accepts GLB/glTF only (the reference API's rule). */
  onlyGltf?: boolean;
}

export interface IngestResult {
  sourceFormat: SourceFormat;
  /** The normalised GLB inside workDirectory; null when the upload itself is stored (already a normal GLB, or invalid). */
  glbPath: string | null;
  validation: ValidationReport | null;
  /** What a user should know: left-out textures, missing .mtl, assumed units, … */
  warnings: string[];
  facts: (ModelFacts & { normalisation: string[] }) | null;
  /** Set when the model is kept but marked invalid. */
  invalidReason: string | null;
}

/** OBJ has no units: a scan this many "metres" across was probably exported in mm or cm. */
const IMPLAUSIBLE_SCAN_SIZE = 50;

interface PreparedSource {
  sourceFormat: SourceFormat;
  input: GltfSourceInput;
  warnings: string[];
}

async function prepareSource(file: string, options: IngestOptions): Promise<PreparedSource> {
  if (options.format === 'glb') return { sourceFormat: 'glb', input: { kind: 'glb', bytes: new Uint8Array(await readFile(file)) }, warnings: [] };
  if (options.format === 'gltf') {
    const bytes = new Uint8Array(await readFile(file));
    assertGltfJson(bytes, 'The file');
    return { sourceFormat: 'gltf', input: { kind: 'gltf', bytes, files: new Map() }, warnings: [] };
  }
  if (options.onlyGltf) throw new RenderbayError('invalid_format', 'URL ingest accepts .glb and .gltf files only');
  const unpacked = await mkdtemp(path.join(options.workDirectory, 'archive-'));
  const files = await extractArchive(file, unpacked);
  const contents = classifyArchive(files);
  if (contents.kind === 'glb') {
    return { sourceFormat: 'glb-zip', input: { kind: 'glb', bytes: new Uint8Array(await readFile(contents.model.path)) }, warnings: [] };
  }
  if (contents.kind === 'gltf') {
    const resources = await filesBeside(contents.model, files);
    const bytes = new Uint8Array(await readFile(contents.model.path));
    assertGltfJson(bytes, `${contents.model.name} in the archive`);
    return { sourceFormat: 'gltf-zip', input: { kind: 'gltf', bytes, files: resources }, warnings: [] };
  }
  const scan = await objScanToGlb(contents.model, files);
  return { sourceFormat: 'obj-zip', input: { kind: 'glb', bytes: scan.glb }, warnings: scan.warnings };
}

export async function ingestModelFile(file: string, options: IngestOptions): Promise<IngestResult> {
  let prepared: PreparedSource;
  try {
    prepared = await prepareSource(file, options);
  } catch (error) {
    if (error instanceof RenderbayError && error.code === 'invalid_model') {
      const sourceFormat: SourceFormat = options.format === 'zip' ? 'obj-zip' : options.format;
      return { sourceFormat, glbPath: null, validation: null, warnings: [], facts: null, invalidReason: error.message };
    }
    throw error;
  }
  const { sourceFormat, input, warnings } = prepared;
  // An OBJ scan's report is about the GLB converted from it; a .gltf's files are those beside it (none for a lone .gltf).
  const validation = await validateGltf(input.bytes, {
    subject: sourceFormat === 'obj-zip' ? 'converted' : 'upload',
    resources: input.kind === 'gltf' ? input.files : undefined,
  });
  const invalid = (reason: string, facts: IngestResult['facts'] = null): IngestResult => {
    const validatorSays = blockingSummary(validation);
    const full = validatorSays.length > 0 ? `${reason}. The glTF validator reports: ${validatorSays.join('; ')}` : reason;
    return { sourceFormat, glbPath: null, validation, warnings, facts, invalidReason: full };
  };

  let document: Document;
  let extensionsUsed: string[];
  let extensionsRequired: string[];
  try {
    ({ document, extensionsUsed, extensionsRequired } = await readGltfSource(input));
  } catch (error) {
    if (error instanceof RenderbayError && error.code !== 'invalid_model') throw error;
    return invalid(readableMessage(error));
  }
  let normalised: Awaited<ReturnType<typeof normaliseGltf>>;
  try {
    normalised = await normaliseGltf(document, { sourceIsGlb: sourceFormat === 'glb' });
  } catch (error) {
    if (error instanceof RenderbayError && error.code !== 'invalid_model') throw error;
    return invalid(readableMessage(error));
  }
  const facts = {
    ...modelFacts(document, { extensionsUsed, extensionsRequired, textureSizes: normalised.textureSizes, unitsAssumed: sourceFormat === 'obj-zip' }),
    normalisation: normalised.notes,
  };
  if (sourceFormat === 'obj-zip' && facts.boundingBox && Math.max(...facts.boundingBox.size) > IMPLAUSIBLE_SCAN_SIZE) {
    const size = facts.boundingBox.size.map((value) => Number(value.toPrecision(4))).join(' × ');
    warnings.push(`The scan measures ${size} units; OBJ carries no units and metres were assumed, so it may have been exported in millimetres or centimetres`);
  }
  if (validation.blocking) return invalid('The model has errors that break rendering', facts);

  let glbPath: string | null = null;
  if (normalised.glb) {
    glbPath = path.join(options.workDirectory, 'model.glb');
    await writeFile(glbPath, normalised.glb);
  }
  return { sourceFormat, glbPath, validation, warnings, facts, invalidReason: null };
}

function readableMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
