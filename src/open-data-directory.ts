/**
 * What every long-running front end (`renderbay serve`, `renderbay mcp`) opens first: the
 * configuration, the data directory's database and file store, and the job engine that
 * serves as the context's render queue. The caller starts the engine when it is ready
 * and stops it (then closes the database) in the order its own shutdown needs.
 *
 * With a render farm configured (`--queue`/`--store`, RENDERBAY_QUEUE/RENDERBAY_STORE) the
 * same engine renders through the farm: its passes go on the queue, files also into the
 * object store (src/farm/farm-dispatcher.ts). BullMQ and the S3 SDK load only then.
 */
import { resolveConfig, type ServerConfig } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase } from './db/database.js';
import { resolveFarmConfig } from './farm/farm-config.js';
import { JobEngine } from './jobs/job-engine.js';
import { LIMITS } from './limits.js';
import { FileStore } from './storage/file-store.js';

export interface FarmOptions {
  queue?: string;
  store?: string;
  /** `serve --store-presign-seconds` (src/farm/farm-config.ts). */
  storePresignSeconds?: string;
}

export async function openDataDirectory(overrides: Partial<ServerConfig> = {}, farmOptions: FarmOptions = {}): Promise<{ context: AppContext; engine: JobEngine }> {
  const farm = resolveFarmConfig(farmOptions);
  // On a farm, `--concurrency` counts passes on the queue (workers choose their own).
  const farmConcurrency = farm && overrides.concurrency === undefined && process.env.RENDERBAY_CONCURRENCY === undefined ? { concurrency: LIMITS.farmPassesInFlight } : {};
  const config = resolveConfig({ ...overrides, ...farmConcurrency });
  const db = openDatabase(config.dataDirectory);
  const store = new FileStore(config.dataDirectory);
  if (!farm) {
    const engine = new JobEngine({ db, store, config });
    return { context: { db, store, config, queue: engine }, engine };
  }
  const { openObjectStore } = await import('./storage/object-store.js');
  const { FarmDispatcher } = await import('./farm/farm-dispatcher.js');
  store.remote = await openObjectStore(farm.storeUrl);
  store.presignSeconds = farm.presignSeconds;
  const log = (message: string) => process.stderr.write(`render-farm: ${message}\n`);
  store.onRemoteError = log;
  const dispatcher = new FarmDispatcher(store, farm, log);
  const engine = new JobEngine({ db, store, config }, dispatcher.render, undefined, dispatcher);
  return { context: { db, store, config, queue: engine, farm: dispatcher }, engine };
}
