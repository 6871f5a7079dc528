/**
 * Which directories a stdio client's local paths may lead into. A client with the MCP
 * `roots` capability declares them itself (`roots/list`, asked again after
 * `notifications/roots/list_changed`); for any other client they are the directories the
 * user allowed when starting `renderbay mcp` (`--allow-dir`, `RENDERBAY_ALLOW_DIRS`),
 * by default the directory it was started in plus the home directory.
 *
 * ```ts
 * const localRoots = watchLocalRoots(server.server, allowDirectories(options.allowDir));
 * const { directories, source } = await localRoots();
 * ```
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { RenderbayError } from '../errors.js';

export interface AllowedRoots {
  /** Absolute directories, as declared (symlinks are resolved when a path is checked). */
  directories: string[];
  /** `client`: the MCP client's roots; `allow-dir`: --allow-dir, RENDERBAY_ALLOW_DIRS or the default. */
  source: 'client' | 'allow-dir';
}

export type LocalRoots = () => Promise<AllowedRoots>;

/** How long a client may take to answer roots/list. */
const LIST_ROOTS_TIMEOUT_MS = 10_000;

/**
 * The directories allowed without client roots: the `--allow-dir` flags, else
 * RENDERBAY_ALLOW_DIRS (separated like PATH), else the start directory and the home
 * directory. A start directory that is the filesystem root (what desktop apps usually
 * start servers in) would allow the whole disk, so it is left out.
 */
export function allowDirectories(flags: readonly string[] = [], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), home = os.homedir()): string[] {
  const fromEnv = (env.RENDERBAY_ALLOW_DIRS ?? '').split(path.delimiter).filter((entry) => entry.trim() !== '');
  const given = flags.length > 0 ? flags : fromEnv;
  const directories = given.length > 0 ? given : [...(path.parse(cwd).root === path.resolve(cwd) ? [] : [cwd]), home];
  const expand = (entry: string) => (entry === '~' || entry.startsWith('~/') ? path.join(home, entry.slice(1)) : entry);
  return [...new Set(directories.map((entry) => path.resolve(cwd, expand(entry.trim()))))];
}

/**
 * The roots in force for one stdio connection: the client's while it has the roots
 * capability (listed once, then cached until it says they changed), otherwise `allowed`.
 */
export function watchLocalRoots(server: Server, allowed: string[]): LocalRoots {
  let listed: Promise<string[]> | null = null;
  server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    listed = null;
  });
  return async () => {
    if (!server.getClientCapabilities()?.roots) return { directories: allowed, source: 'allow-dir' };
    const current = (listed ??= server.listRoots(undefined, { timeout: LIST_ROOTS_TIMEOUT_MS }).then(({ roots }) => roots.flatMap((root) => fileDirectory(root.uri))));
    try {
      return { directories: await current, source: 'client' };
    } catch (error) {
      if (listed === current) listed = null; // ask again next time
      throw new RenderbayError(
        'path_not_allowed',
        `The MCP client has the roots capability but did not list its roots (${(error as Error).message}); local paths are refused until it does`,
        400,
      );
    }
  };
}

/** A root's directory; roots that are not file: URIs cannot hold local paths. */
function fileDirectory(uri: string): string[] {
  try {
    return uri.startsWith('file:') ? [path.resolve(fileURLToPath(uri))] : [];
  } catch {
    return [];
  }
}
