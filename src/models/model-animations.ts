/**
 * A model's animation clips, by name, for validating the `animation` setting when a
 * render is created (without loading the model) and for picking the clip in the renderer
 * (renderer/animation/animation-player.ts), so both agree on what a name means.
 */
import { open, readFile } from 'node:fs/promises';
import { RenderbayError } from '../errors.js';
import { GLB_HEAD_BYTES, glbJsonChunkRange, isGlb, parseJsonChunk } from '../../renderer/load/glb-container.js';
import { looksLikeJson, parseGltfJson } from '../../renderer/load/read-model.js';

/** The `animation` value that picks the model's first clip. */
export const FIRST_CLIP = '*';

/**
 * The clip names of a .glb or .gltf, in file order. An unnamed clip gets the name three's
 * GLTFLoader gives it ("animation_<index>"), so every name here is one the renderer finds.
 * Only the JSON is read: a GLB's binary chunk is never touched.
 */
export async function readAnimationClipNames(modelPath: string): Promise<string[]> {
  const json = (await readGltfJson(modelPath)) as { animations?: unknown };
  const animations = Array.isArray(json?.animations) ? json.animations : [];
  return animations.map((animation, index) => clipName(animation, index));
}

/** Mirrors GLTFLoader.loadAnimation: `animationDef.name ? animationDef.name : 'animation_' + index`. */
export function clipName(animation: unknown, index: number): string {
  const name = (animation as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : `animation_${index}`;
}

/**
 * The clip a render plays: `requested` itself when the model has a clip of that name, or
 * the first clip for "*". Anything else is an invalid_settings error that lists the clips.
 */
export function resolveAnimationClip(names: readonly string[], requested: string): string {
  if (names.length === 0) {
    throw new RenderbayError('invalid_settings', `Cannot play animation "${requested}": the model has no animations`, 400);
  }
  if (requested === FIRST_CLIP) return names[0];
  if (names.includes(requested)) return requested;
  throw new RenderbayError('invalid_settings', `Unknown animation "${requested}": the model's clips are: ${names.join(', ')}`, 400);
}

/** A .glb or .gltf file's JSON (a GLB's binary chunk is never read). */
export async function readGltfJson(modelPath: string): Promise<unknown> {
  let file;
  try {
    file = await open(modelPath, 'r');
  } catch {
    throw new RenderbayError('file_not_found', `Model file not found: ${modelPath}`, 404);
  }
  try {
    const head = new Uint8Array(GLB_HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, GLB_HEAD_BYTES, 0);
    if (isGlb(head.subarray(0, bytesRead))) {
      const { start, end } = glbJsonChunkRange(head.subarray(0, bytesRead));
      // A forged chunk length must not make us allocate more than the file holds.
      if (end > (await file.stat()).size) throw new RenderbayError('invalid_model', 'Invalid GLB: the JSON chunk runs past the end of the file (truncated?)');
      const chunk = new Uint8Array(end - start);
      await file.read(chunk, 0, chunk.byteLength, start);
      return parseJsonChunk(chunk);
    }
  } finally {
    await file.close();
  }
  const bytes = new Uint8Array(await readFile(modelPath));
  if (!looksLikeJson(bytes)) throw new RenderbayError('invalid_format', 'Not a GLB or glTF file; expected .glb or .gltf');
  return parseGltfJson(bytes);
}

export type ClipNameReader = (modelPath: string) => Promise<string[]>;

/**
 * A readAnimationClipNames that reads each model once: a batch of up to 100 renders of
 * one model checks its clips against a single read of the model's JSON.
 */
export function clipNamesReadOnce(): ClipNameReader {
  const read = new Map<string, Promise<string[]>>();
  return (modelPath) => {
    if (!read.has(modelPath)) read.set(modelPath, readAnimationClipNames(modelPath));
    return read.get(modelPath)!;
  };
}

/**
 * Checks a render's `animation` setting against the model's clips (nothing to check
 * without one): `invalid_settings` listing the clips when the model has no such clip.
 */
export async function assertAnimationClip(modelPath: string, settings: { animation?: string }, clipNames: ClipNameReader = readAnimationClipNames): Promise<void> {
  if (settings.animation === undefined) return;
  resolveAnimationClip(await clipNames(modelPath), settings.animation);
}
