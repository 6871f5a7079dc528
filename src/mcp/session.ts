/**
 * What every MCP tool is handed: the service context, who the connection acts for, and
 * what kind of connection it is. One per stdio process; one per HTTP request.
 */
import type { Caller, Scope } from '../accounts/api-keys.js';
import type { AppContext } from '../context.js';
import type { LocalRoots } from './local-roots.js';

export interface McpSession {
  context: AppContext;
  /**
   * `stdio`: the client runs on this machine and shares its files (local paths in and out).
   * `http`: it does not (URLs in, authenticated download URLs out).
   */
  transport: 'stdio' | 'http';
  /** The scopes of the caller's key (HTTP); tools/list shows only the tools they allow. Absent: every scope (stdio). */
  scopes?: Scope[];
  /** stdio: renders costing more than this many credits are confirmed with the user first (when the client supports elicitation). */
  confirmAbove?: number;
  /** The caller, checked for `scope` with the REST API's rules and error codes. */
  authorize(scope: Scope): Caller;
  /** HTTP only: the absolute URL of a REST API path, e.g. `/renders/abc/video` → `http://host:port/v1/renders/abc/video`. */
  apiUrl?(path: string): string;
  /** HTTP only: a signed URL of a REST file path, openable without a key (a browser, a chat link) until it expires. */
  signedApiUrl?(path: string): string;
  /**
   * stdio only: the directories local paths may lead into (the client's roots, or
   * --allow-dir). Without it, every local path is refused.
   */
  localRoots?: LocalRoots;
  /** Where unexpected failures are logged with their detail (never stdout). */
  log(message: string): void;
}
