/**
 * Files on the caller's own disk (stdio only: the client runs on this machine), always
 * inside the connection's allowed roots (src/mcp/local-paths.ts).
 *
 * - Reading (`ingest_model`, `upload_overlay`): the file is opened without following a
 *   symlink, copied into the store's temp directory and hashed, ready for the same service
 *   functions an upload reaches. The original is never moved or changed.
 * - Writing (`download_render`, `export_usdz`): each file is written under a temporary
 *   name created exclusively, then linked to its final name, which fails if anything —
 *   a file, a symlink, planted or not — already has that name. So a write never follows a
 *   symlink and never replaces a file. A file that already holds exactly the same bytes
 *   counts as written (asking twice is harmless); any other existing file is refused with
 *   `file_exists` before anything is written. Refusing, rather than inventing another
 *   name, keeps the names predictable (`<renderId>-video.mp4`) and leaves the choice to
 *   the user.
 *
 * ```ts
 * const file = await copyLocalFile(session, '~/Downloads/chair.glb', LIMITS.maxModelBytes);
 * const [copy] = await copyToClientDirectory(session, '~/Renders', [{ source, name: 'chair.usdz' }], 'download the URL instead');
 * ```
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import { hashFile } from '../storage/file-store.js';
import { copyFileToTemp, type LocalFile } from '../storage/temp-copy.js';
import { confinedDirectory, confinedFile } from './local-paths.js';
import type { AllowedRoots } from './local-roots.js';
import type { McpSession } from './session.js';

export type { LocalFile };

async function rootsOf(session: McpSession, instead: string): Promise<AllowedRoots> {
  if (session.transport !== 'stdio' || !session.localRoots) {
    throw new RenderbayError('path_not_allowed', `local paths are only available to a local (stdio) client: ${instead}`, 400);
  }
  return session.localRoots();
}

/** Copies an allowed local file into the store's temp directory, at most `maxBytes` of it. */
export async function copyLocalFile(session: McpSession, input: string, maxBytes: number, instead = 'send the file another way'): Promise<LocalFile> {
  const source = await confinedFile(input, await rootsOf(session, instead));
  return copyFileToTemp(source, session.context.store.tempDirectory, maxBytes);
}

/**
 * Copies stored files into an allowed folder a stdio client named (created inside its
 * root if missing) and returns the copies' paths, in order. Over HTTP the server cannot
 * write to the client's disk: `path_not_allowed`, saying what to do `instead`.
 */
export async function copyToClientDirectory(session: McpSession, directory: string, files: { source: string; name: string }[], instead: string): Promise<string[]> {
  const target = await confinedDirectory(directory, await rootsOf(session, instead));
  const planned = await Promise.all(
    files.map(async (file) => {
      const copy = path.join(target, visibleName(file.name));
      return { ...file, copy, present: await alreadyThere(file.source, copy) };
    }),
  );
  // All or nothing: every name is checked before the first file is written.
  for (const file of planned) if (file.present === 'other') throw fileExists(file.copy);
  for (const file of planned) if (file.present === 'absent') await writeExclusive(file.source, file.copy);
  return planned.map((file) => file.copy);
}

/** Our own names (`<renderId>-video.mp4`, `<model name>.usdz`), kept to one visible entry of the folder. */
function visibleName(name: string): string {
  const base = path.basename(name).replace(/^\.+/, '');
  return base === '' ? 'file' : base;
}

/** `same`: a plain file with exactly these bytes is already there; `other`: something else has the name. */
async function alreadyThere(source: string, copy: string): Promise<'absent' | 'same' | 'other'> {
  const existing = await lstat(copy).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!existing) return 'absent';
  if (!existing.isFile()) return 'other';
  const wanted = await lstat(source);
  if (existing.size !== wanted.size) return 'other';
  return (await hashFile(copy)) === (await hashFile(source)) ? 'same' : 'other';
}

/**
 * Writes `source` to `destination` without following or replacing anything: a temporary
 * name is created exclusively in the same folder, then hard-linked to the final name
 * (link() fails if the name exists, symlinks included), then the temporary name goes.
 * Where the file system has no hard links, an exclusive create of the final name does
 * the same, only not atomically (a failed copy is removed).
 */
async function writeExclusive(source: string, destination: string): Promise<void> {
  const temporary = path.join(path.dirname(destination), `.renderbay-${randomUUID()}.part`);
  await copyFile(source, temporary, constants.COPYFILE_EXCL);
  try {
    await link(temporary, destination);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw fileExists(destination);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    await copyWithoutLinks(source, destination);
  } finally {
    await unlink(temporary);
  }
}

async function copyWithoutLinks(source: string, destination: string): Promise<void> {
  try {
    await copyFile(source, destination, constants.COPYFILE_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw fileExists(destination);
    await rm(destination, { force: true }); // only ours: an exclusive create succeeded before the copy failed
    throw error;
  }
}

function fileExists(file: string): RenderbayError {
  return new RenderbayError('file_exists', `${file} already exists and is not this file; nothing is ever overwritten: move it away or choose another directory`, 409);
}
