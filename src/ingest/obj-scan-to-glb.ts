/**
 * Converts an OBJ scan (one .obj, its .mtl and JPEG/PNG textures, as Artec Studio,
 * RealityCapture, Metashape and Polycam export them) into a GLB with obj2gltf, the
 * Cesium team's converter, and gives every material the matte look of a scan
 * (roughness 1, metallic 0).
 *
 * Before obj2gltf runs, every material library is rewritten in place (they live in the
 * private extraction folder) so that each texture reference points at a file inside the
 * archive: exact relative paths first, then the same file name anywhere in the archive
 * (exports made on another machine often carry absolute paths such as
 * `C:\scans\texture.jpg`). References that climb out of the archive (`/etc/passwd`,
 * `../x.png`) are never followed; textures that are missing, unreadable or in a format
 * sharp cannot read are dropped, each with a warning. Textures that declare too many
 * pixels stop the conversion. obj2gltf itself runs with `secure: true`.
 *
 * A missing .mtl or texture is not an error: the model converts with defaults and the
 * warnings say what was left out.
 *
 * ```ts
 * const { glb, warnings } = await objScanToGlb(objFile, extractedFiles, workDirectory);
 * ```
 */
import { createReadStream } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import path from 'node:path';
import sharp from 'sharp';
import { RenderbayError } from '../errors.js';
import { createGltfIO } from './gltf-io.js';
import { readTextureImage, assertTextureSize } from './normalise-gltf.js';
import type { ExtractedFile } from './zip-archive.js';

export interface ObjScanOptions {
  /** Roughness given to every material (1 = fully matte, the look of a photogrammetry scan). */
  roughness: number;
  /** Metalness given to every material. */
  metallic: number;
}

export const DEFAULTS: Readonly<ObjScanOptions> = { roughness: 1, metallic: 0 };

export interface ConvertedScan {
  glb: Uint8Array;
  warnings: string[];
}

/** MTL statements that name a texture file (the file name is the statement's last argument). */
const TEXTURE_STATEMENT = /^\s*(map_Ka|map_Kd|map_Ks|map_Ke|map_Ns|map_d|map_Bump|map_bump|bump|norm|disp|refl)\s+(.+?)\s*$/i;
const KEPT_IMAGE_FORMATS = new Set(['png', 'jpeg']);
/** Texture options of MTL statements, with how many arguments each takes. */
const TEXTURE_OPTION_ARGUMENTS: Record<string, number> = {
  '-blendu': 1, '-blendv': 1, '-boost': 1, '-mm': 2, '-o': 3, '-s': 3, '-t': 3, '-texres': 1, '-clamp': 1, '-bm': 1, '-imfchan': 1, '-type': 1, '-cc': 1,
};

/** The file name of an MTL texture statement's argument list, without its options. */
export function textureFileName(argumentsText: string): string {
  const tokens = argumentsText.split(/\s+/);
  let index = 0;
  while (index < tokens.length && tokens[index].startsWith('-') && tokens[index].toLowerCase() in TEXTURE_OPTION_ARGUMENTS) {
    const take = TEXTURE_OPTION_ARGUMENTS[tokens[index].toLowerCase()];
    index += 1;
    // Options such as -o and -s take "up to" n numbers.
    for (let taken = 0; taken < take && index < tokens.length && /^-?[\d.]+$/.test(tokens[index]); taken++) index++;
  }
  return tokens.slice(index).join(' ').replace(/^"(.+)"$/, '$1');
}

/** The .mtl files an OBJ names (`mtllib a.mtl b.mtl`, names may contain spaces); read line by line, as OBJ scans are large. */
async function materialLibraries(objPath: string): Promise<string[]> {
  const names: string[] = [];
  const lines = createInterface({ input: createReadStream(objPath, { encoding: 'latin1' }), crlfDelay: Infinity });
  for await (const raw of lines) {
    const match = /^[ \t]*mtllib[ \t]+(.+?)[ \t]*$/i.exec(raw);
    if (!match) continue;
    const parts = match[1].replace(/^"(.+)"$/, '$1').split(' ');
    let start = 0;
    parts.forEach((part, index) => {
      if (part.toLowerCase().endsWith('.mtl')) {
        names.push(parts.slice(start, index + 1).join(' '));
        start = index + 1;
      }
    });
  }
  return [...new Set(names)];
}

interface ArchiveIndex {
  byPath: Map<string, ExtractedFile>;
  byBaseName: Map<string, ExtractedFile[]>;
}

function indexArchive(files: ExtractedFile[]): ArchiveIndex {
  const byPath = new Map<string, ExtractedFile>();
  const byBaseName = new Map<string, ExtractedFile[]>();
  for (const file of files) {
    byPath.set(file.name.toLowerCase(), file);
    const base = path.posix.basename(file.name).toLowerCase();
    byBaseName.set(base, [...(byBaseName.get(base) ?? []), file]);
  }
  return { byPath, byBaseName };
}

/** Finds the archive file a reference made from `fromFolder` (archive-relative) means. */
function resolveReference(reference: string, fromFolder: string, archive: ArchiveIndex): { file: ExtractedFile | null; escapes: boolean; exact: boolean } {
  const slashed = reference.replace(/\\/g, '/');
  const escapes = slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed) || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(slashed);
  const joined = path.posix.normalize(path.posix.join(fromFolder, slashed));
  const climbs = joined.startsWith('../') || joined === '..';
  if (!escapes && !climbs) {
    const exact = archive.byPath.get(joined.toLowerCase());
    if (exact) return { file: exact, escapes: false, exact: true };
  }
  const sameName = archive.byBaseName.get(path.posix.basename(slashed).toLowerCase()) ?? [];
  return { file: sameName.length === 1 ? sameName[0] : null, escapes: escapes || climbs, exact: false };
}

/**
 * Rewrites one .mtl so every texture statement names a usable image inside the archive
 * (relative to the .mtl), converting images sharp can read but glTF cannot carry to PNG.
 */
async function rewriteMaterialLibrary(
  mtl: ExtractedFile,
  archive: ArchiveIndex,
  converted: Map<string, string>,
  copies: { count: number },
  warnings: string[],
): Promise<void> {
  const folder = path.posix.dirname(mtl.name);
  const lines = (await readFile(mtl.path, 'latin1')).split(/\r?\n/);
  const output: string[] = [];
  for (const line of lines) {
    const match = TEXTURE_STATEMENT.exec(line);
    if (!match) {
      output.push(line);
      continue;
    }
    const [, statement, argumentsText] = match;
    const reference = textureFileName(argumentsText);
    const { file, escapes } = resolveReference(reference, folder, archive);
    if (!file) {
      warnings.push(
        escapes
          ? `${mtl.name}: ${statement} refers to ${JSON.stringify(reference)}, outside the archive; it was not read and the material has no ${statement} texture`
          : `${mtl.name}: texture ${JSON.stringify(reference)} (${statement}) is not in the archive; the material uses its colour only`,
      );
      continue;
    }
    const usable = await usableTexture(file, converted, warnings);
    if (!usable) continue;
    let relative = path.posix.relative(folder === '.' ? '' : folder, usable);
    if (relative.startsWith('../')) {
      // obj2gltf (secure) reads textures only below the .mtl's folder: bring a copy there.
      relative = `renderbay-texture-${copies.count++}${path.posix.extname(usable)}`;
      await copyFile(archivePath(mtl, usable), path.join(path.dirname(mtl.path), relative));
    }
    output.push(`${statement} ${relative}`);
  }
  await writeFile(mtl.path, output.join('\n'), 'latin1');
}

/** Where an archive path (forward slashes) was extracted, given any extracted file and its archive name. */
function archivePath(known: ExtractedFile, name: string): string {
  const depth = known.name.split('/').length - 1;
  const root = path.resolve(path.dirname(known.path), ...Array<string>(depth).fill('..'));
  return path.join(root, ...name.split('/'));
}

/** The archive path of a PNG/JPEG version of `file`, or null (with a warning) if there is none. */
async function usableTexture(file: ExtractedFile, converted: Map<string, string>, warnings: string[]): Promise<string | null> {
  const known = converted.get(file.name);
  if (known !== undefined) return known || null;
  const image = await readFile(file.path);
  const label = `Texture ${JSON.stringify(file.name)}`;
  let info: Awaited<ReturnType<typeof readTextureImage>>;
  try {
    info = await readTextureImage(image, label);
  } catch {
    warnings.push(`Texture ${JSON.stringify(file.name)} is not a readable image (PNG, JPEG, WebP, AVIF or TIFF); it was left out`);
    converted.set(file.name, '');
    return null;
  }
  assertTextureSize(info, label); // readable but too many pixels: the model is refused, not converted without it
  const extension = path.extname(file.name).toLowerCase();
  const extensionMatches = (info.format === 'png' && extension === '.png') || (info.format === 'jpeg' && (extension === '.jpg' || extension === '.jpeg'));
  if (KEPT_IMAGE_FORMATS.has(info.format) && extensionMatches) {
    converted.set(file.name, file.name);
    return file.name;
  }
  // obj2gltf picks the MIME type from the extension: anything else is re-encoded as PNG.
  const pngName = `${file.name.replace(/\.[^./]*$/, '')}.renderbay-${converted.size}.png`;
  await writeFile(archivePath(file, pngName), await sharp(image).png().toBuffer());
  converted.set(file.name, pngName);
  return pngName;
}

export async function objScanToGlb(obj: ExtractedFile, files: ExtractedFile[], options: Partial<ObjScanOptions> = {}): Promise<ConvertedScan> {
  const settings = { ...DEFAULTS, ...options };
  const warnings: string[] = [];
  const archive = indexArchive(files);
  const objFolder = path.posix.dirname(obj.name);

  const libraries = await materialLibraries(obj.path);
  if (libraries.length === 0) warnings.push(`${obj.name} names no material library (.mtl): converted with a default material`);
  const converted = new Map<string, string>();
  const copies = { count: 0 };
  for (const library of libraries) {
    const { file, escapes, exact } = resolveReference(library, objFolder, archive);
    // obj2gltf finds a library at its exact path, or by file name next to the .obj.
    const reachable = file && (exact || path.posix.dirname(file.name) === objFolder);
    if (!file || !reachable) {
      warnings.push(
        escapes
          ? `${obj.name} refers to material library ${JSON.stringify(library)} outside the archive; it was not read and a default material is used`
          : `Material library ${JSON.stringify(library)} is not in the archive next to ${obj.name}: converted with a default material`,
      );
      continue;
    }
    await rewriteMaterialLibrary(file, archive, converted, copies, warnings);
  }

  const { default: obj2gltf } = await import('obj2gltf');
  const log: string[] = [];
  let glb: Uint8Array;
  try {
    const result = await obj2gltf(obj.path, { binary: true, secure: true, logger: (message) => log.push(message) });
    if (!Buffer.isBuffer(result)) throw new Error('obj2gltf returned no GLB');
    glb = new Uint8Array(result);
  } catch (error) {
    const message = String((error as Error).message ?? error).split(path.dirname(obj.path)).join(objFolder === '.' ? '' : objFolder);
    throw new RenderbayError('invalid_model', `${obj.name} could not be converted: ${message}`);
  }
  // Anything obj2gltf still had to say about files, minus the temp folder's path.
  for (const message of log) {
    if (/ENOENT|Attempting to read|Could not read (material|texture) file/i.test(message)) continue; // already reported above, in archive terms
    warnings.push(message.split(`${path.dirname(obj.path)}${path.sep}`).join(''));
  }

  const io = await createGltfIO([]);
  const document = await io.readBinary(glb);
  for (const material of document.getRoot().listMaterials()) {
    material.setRoughnessFactor(settings.roughness).setMetallicFactor(settings.metallic);
    material.setMetallicRoughnessTexture(null);
  }
  document.getRoot().listScenes()[0]?.setName(path.posix.basename(obj.name).replace(/\.obj$/i, ''));
  return { glb: await io.writeBinary(document), warnings: [...new Set(warnings)] };
}
