/**
 * What every long-running front end (`renderbay serve`, `renderbay mcp`) opens first: the
 * configuration, the data directory's database and file store, and the job engine that
 * serves as the context's render queue. The caller starts the engine when it is ready
 * and stops it (then closes the database) in the order its own shutdown needs.
 */
import { resolveConfig, type ServerConfig } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase } from './db/database.js';
import { JobEngine } from './jobs/job-engine.js';
import { FileStore } from './storage/file-store.js';

export function openDataDirectory(overrides: Partial<ServerConfig> = {}): { context: AppContext; engine: JobEngine } {
  const config = resolveConfig(overrides);
  const db = openDatabase(config.dataDirectory);
  const store = new FileStore(config.dataDirectory);
  const engine = new JobEngine({ db, store, config });
  return { context: { db, store, config, queue: engine }, engine };
}
