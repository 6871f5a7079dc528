/**
 * Confines a stdio client's local paths to its allowed roots (src/mcp/local-roots.ts).
 * A path is allowed when, with every symlink resolved (realpath), it lies inside a root;
 * and no entry below that root is hidden (a name starting with "."), neither in the path
 * as given nor as resolved, so `~/.ssh/id_rsa` and a link pointing into it are refused
 * alike. Everything else answers `path_not_allowed`, naming the allowed roots.
 *
 * ```ts
 * const file = await confinedFile('~/models/chair.glb', await localRoots());
 * const folder = await confinedDirectory('~/Downloads/renders', await localRoots()); // created inside the root if missing
 * ```
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RenderbayError } from '../errors.js';
import type { AllowedRoots } from './local-roots.js';

/** `~/x` and absolute paths; a relative path would depend on where the MCP client started us. */
export function resolveLocalPath(input: string): string {
  const expanded = input === '~' || input.startsWith('~/') ? path.join(os.homedir(), input.slice(1)) : input;
  if (!path.isAbsolute(expanded)) {
    throw new RenderbayError('invalid_request', `path must be absolute (or start with ~/): ${input}`, 400);
  }
  return path.normalize(expanded);
}

/** The resolved path of an existing file inside the roots (the file itself is not opened here). */
export async function confinedFile(input: string, allowed: AllowedRoots): Promise<string> {
  const requested = resolveLocalPath(input);
  const roots = await realRoots(allowed);
  refuseHidden(requested, requested, roots, allowed);
  let resolved: string;
  try {
    resolved = await realpath(requested);
  } catch (error) {
    if (!roots.some((root) => below(root.declared, requested) !== null || below(root.real, requested) !== null)) throw outside(requested, allowed);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new RenderbayError('file_not_found', `No file at ${requested}`, 404);
    }
    throw error;
  }
  confine(requested, resolved, roots, allowed);
  return resolved;
}

/**
 * The resolved path of a directory inside the roots. Missing directories are created
 * one level at a time below the deepest existing one, which must itself be inside a root;
 * a level that turns out to be anything but a plain directory is refused.
 */
export async function confinedDirectory(input: string, allowed: AllowedRoots): Promise<string> {
  const requested = resolveLocalPath(input);
  const roots = await realRoots(allowed);
  refuseHidden(requested, requested, roots, allowed);
  const missing: string[] = [];
  let existing = requested;
  let resolved: string | null = null;
  while (resolved === null) {
    try {
      resolved = await realpath(existing);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(existing) === existing) throw notADirectory(requested);
      missing.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  if (!(await stat(resolved)).isDirectory()) throw notADirectory(requested);
  const target = path.join(resolved, ...missing);
  confine(requested, target, roots, allowed);
  let level = resolved;
  for (const name of missing) {
    level = path.join(level, name);
    try {
      await mkdir(level); // never recursive: each level is checked
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!(await lstat(level)).isDirectory()) throw notADirectory(requested); // a symlink or file appeared meanwhile
    }
  }
  return target;
}

interface Root {
  /** As declared, made absolute. */
  declared: string;
  /** With symlinks resolved. */
  real: string;
}

/** Roots that exist, each with its resolved form (a path is compared with both). */
async function realRoots(allowed: AllowedRoots): Promise<Root[]> {
  const roots = await Promise.all(allowed.directories.map(async (declared) => ({ declared, real: await realpath(declared).catch(() => null) })));
  return roots.filter((root): root is Root => root.real !== null);
}

/** `candidate` relative to `root` ('' for the root itself), or null when it lies outside. */
function below(root: string, candidate: string): string | null {
  const relative = path.relative(root, candidate);
  if (relative === '') return '';
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? null : relative;
}

const hiddenEntry = (relative: string) => relative.split(path.sep).find((name) => name.startsWith('.') && name !== '');

/**
 * Refuses a path with a hidden entry below the root it lies in. A path in no root at all
 * is checked over its whole length (its resolved form is checked against the roots later).
 */
function refuseHidden(requested: string, candidate: string, roots: Root[], allowed: AllowedRoots): void {
  const relatives = roots.flatMap((root) => [below(root.declared, candidate), below(root.real, candidate)]).filter((relative): relative is string => relative !== null);
  const checked = relatives.length > 0 ? relatives : [candidate];
  if (checked.every((relative) => hiddenEntry(relative) !== undefined)) {
    const name = hiddenEntry(checked[0]);
    throw new RenderbayError(
      'path_not_allowed',
      `${requested} goes through the hidden entry "${name}": hidden files and folders (names starting with ".") are never read or written. ${allowedList(allowed)}`,
      400,
    );
  }
}

/** The resolved path must lie inside a root (resolved) and reach it through no hidden entry. */
function confine(requested: string, resolved: string, roots: Root[], allowed: AllowedRoots): void {
  if (!roots.some((root) => below(root.real, resolved) !== null)) throw outside(requested, allowed, resolved);
  refuseHidden(requested, resolved, roots.map((root) => ({ declared: root.real, real: root.real })), allowed);
}

function outside(requested: string, allowed: AllowedRoots, resolved?: string): RenderbayError {
  const via = resolved && resolved !== requested ? ` (it resolves to ${resolved})` : '';
  return new RenderbayError('path_not_allowed', `${requested}${via} is outside the directories this server may use. ${allowedList(allowed)}`, 400);
}

function allowedList(allowed: AllowedRoots): string {
  if (allowed.directories.length === 0) {
    return allowed.source === 'client'
      ? 'Your MCP client declares no roots: add the folder as a root in the client.'
      : 'No directory is allowed: start renderbay mcp with --allow-dir DIR.';
  }
  const list = allowed.directories.join(', ');
  return allowed.source === 'client'
    ? `Allowed roots (declared by your MCP client): ${list}. Add the folder as a root in the client to use it.`
    : `Allowed roots: ${list}. Start renderbay mcp with --allow-dir DIR (or RENDERBAY_ALLOW_DIRS) to allow another.`;
}

function notADirectory(requested: string): RenderbayError {
  return new RenderbayError('invalid_request', `${requested} is not a directory`, 400);
}
