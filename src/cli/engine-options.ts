/**
 * The options of the commands that run a job engine (`serve` and `mcp`): where the data
 * lives, how many renders run at once, whether URL ingest may reach private networks, and
 * how long finished renders are kept.
 * Unset options stay undefined, so the RENDERBAY_* environment and defaults apply.
 */
import type { Command } from 'commander';
import { retentionDays } from '../config.js';

export interface EngineOptionValues {
  data?: string;
  concurrency?: string;
  allowPrivateUrls?: boolean;
  retentionDays?: string;
}

export function addEngineOptions(command: Command): Command {
  return command
    .option('--data <dir>', 'data directory (RENDERBAY_DATA, default ~/.renderbay)', undefined)
    .option('--concurrency <renders>', 'renders at once (RENDERBAY_CONCURRENCY, default cores/2)', undefined)
    .option('--allow-private-urls', 'allow URL ingest from, and webhooks to, loopback and private networks (RENDERBAY_ALLOW_PRIVATE_URLS=1)')
    .option('--retention-days <days>', 'delete finished renders (and their files) older than this, checked hourly (RENDERBAY_RETENTION_DAYS, default: keep)', undefined);
}

/** The config overrides the engine options give. */
export function engineOverrides(options: EngineOptionValues): { dataDirectory?: string; concurrency?: number; allowPrivateUrls?: true; retentionDays?: number | null } {
  return {
    retentionDays: options.retentionDays === undefined ? undefined : retentionDays(options.retentionDays),
    dataDirectory: options.data,
    concurrency: options.concurrency === undefined ? undefined : Number(options.concurrency),
    allowPrivateUrls: options.allowPrivateUrls ? true : undefined,
  };
}
