/**
 * What every service function needs: the database, the file store, the configuration
 * and the render queue. REST routes and MCP tools hold one of these and pass it along.
 */
import type { ServerConfig } from './config.js';
import type { Db } from './db/database.js';
import type { FileStore } from './storage/file-store.js';

/** A render farm's queue as /v1/health and `renderbay status` see it (counts only). */
export interface FarmView {
  counts(): Promise<{ workers: number; waiting: number; active: number }>;
}

/** The job engine as the services see it: told when work arrives or goes away. */
export interface RenderQueue {
  /** New pending renders exist. */
  notify(): void;
  /** Stop working on a render (it is being deleted); resolves once its worker is gone. */
  cancel(renderId: string): Promise<void>;
}

export interface AppContext {
  db: Db;
  store: FileStore;
  config: ServerConfig;
  queue: RenderQueue;
  /** Set when renders go to a render farm (`--queue`/`--store`). */
  farm?: FarmView;
}
