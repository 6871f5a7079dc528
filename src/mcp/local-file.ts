/**
 * A file on the caller's own disk (stdio only: the client runs on this machine), copied
 * into the store's temp directory and hashed, ready for the same service functions an
 * upload reaches. The original is never moved or changed.
 *
 * ```ts
 * const file = await copyLocalFile('~/Downloads/chair.glb', store.tempDirectory, LIMITS.maxModelBytes);
 * await createModelFromFile(context, accountId, { path: file.path, sha256: file.sha256, size: file.bytes, originalName: file.filename });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import { hashFile } from '../storage/file-store.js';
import type { McpSession } from './session.js';

export interface LocalFile {
  /** The copy in `directory`; the caller owns it (the services move it into the store or delete it). */
  path: string;
  sha256: string;
  bytes: number;
  filename: string;
}

/**
 * Copies stored files into a folder a stdio client named (created if missing) and returns
 * the copies' paths, in order. Over HTTP the server cannot write to the client's disk:
 * `path_not_allowed`, saying what to do `instead`.
 */
export async function copyToClientDirectory(session: McpSession, directory: string, files: { source: string; name: string }[], instead: string): Promise<string[]> {
  if (session.transport !== 'stdio') throw new RenderbayError('path_not_allowed', `directory is only available to a local (stdio) client: ${instead}`, 400);
  const target = resolveLocalPath(directory);
  await mkdir(target, { recursive: true });
  const copies: string[] = [];
  for (const file of files) {
    const copy = path.join(target, file.name);
    await copyFile(file.source, copy);
    copies.push(copy);
  }
  return copies;
}

/** `~/x` and absolute paths; a relative path would depend on where the MCP client started us. */
export function resolveLocalPath(input: string): string {
  const expanded = input === '~' || input.startsWith('~/') ? path.join(os.homedir(), input.slice(1)) : input;
  if (!path.isAbsolute(expanded)) {
    throw new RenderbayError('invalid_request', `path must be absolute (or start with ~/): ${input}`, 400);
  }
  return path.normalize(expanded);
}

export async function copyLocalFile(input: string, directory: string, maxBytes: number): Promise<LocalFile> {
  const source = resolveLocalPath(input);
  const info = await stat(source).catch(() => null);
  if (!info) throw new RenderbayError('file_not_found', `No file at ${source}`, 404);
  if (!info.isFile()) throw new RenderbayError('invalid_request', `${source} is not a file`, 400);
  if (info.size > maxBytes) throw tooLarge(maxBytes);
  const copy = path.join(directory, `local-${randomUUID()}.part`);
  try {
    await copyFile(source, copy);
    const { size } = await stat(copy); // the file may have grown since it was checked
    if (size > maxBytes) throw tooLarge(maxBytes);
    return { path: copy, sha256: await hashFile(copy), bytes: size, filename: path.basename(source) };
  } catch (error) {
    await rm(copy, { force: true });
    throw error;
  }
}

function tooLarge(maxBytes: number): RenderbayError {
  return new RenderbayError('file_too_large', `File is larger than the ${maxBytes / (1024 * 1024)} MB limit`, 400);
}
