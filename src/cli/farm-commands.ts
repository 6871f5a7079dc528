/**
 * The render farm's commands: `renderbay worker` (a render machine) and `renderbay status`
 * (its workers and queue depth). Both load BullMQ only when run.
 */
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { RenderbayError } from '../errors.js';
import { resolveFarmConfig } from '../farm/farm-config.js';
import { addFarmOptions, type FarmOptionValues } from './farm-options.js';

const print = (text: string): void => void process.stdout.write(`${text}\n`);

export function registerFarmCommands(program: Command): void {
  addFarmOptions(program.command('worker').description('Render passes from a render farm\'s queue (any number of machines); stops cleanly on SIGTERM/SIGINT'))
    .option('--concurrency <passes>', 'passes rendered at once on this machine (default cores/2)', undefined)
    .option('--scratch <dir>', 'input cache and work folders (default <tmp>/renderbay-worker)', undefined)
    .option('--scratch-max-bytes <bytes>', 'cap on the input cache in --scratch: least recently used models and images are deleted past it, never one a running pass uses (RENDERBAY_SCRATCH_MAX_BYTES; default no cap)', undefined)
    .action(async (options: FarmOptionValues & { concurrency?: string; scratch?: string; scratchMaxBytes?: string }) => {
      const farm = requireFarm(options);
      const concurrency = options.concurrency === undefined ? Math.max(1, Math.floor(os.cpus().length / 2)) : Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new RenderbayError('invalid_request', '--concurrency must be a whole number ≥ 1');
      const maxBytes = options.scratchMaxBytes ?? process.env.RENDERBAY_SCRATCH_MAX_BYTES;
      const scratchMaxBytes = maxBytes === undefined || maxBytes === '' ? null : Number(maxBytes);
      if (scratchMaxBytes !== null && !(Number.isSafeInteger(scratchMaxBytes) && scratchMaxBytes >= 1)) {
        throw new RenderbayError('invalid_request', `--scratch-max-bytes (RENDERBAY_SCRATCH_MAX_BYTES) must be a whole number of bytes ≥ 1 (got "${maxBytes}")`);
      }
      const { startFarmWorker } = await import('../farm/farm-worker.js');
      const worker = await startFarmWorker({ farm, concurrency, scratchMaxBytes, scratch: path.resolve(options.scratch ?? path.join(os.tmpdir(), 'renderbay-worker')) });
      print(`Renderbay worker ${worker.id} ready`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.stderr.write(`renderbay worker: ${signal}: finishing running passes, then stopping\n`);
          void worker.close().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });

  addFarmOptions(program.command('status').description("A render farm's workers (id, host, current pass, last seen) and queue depth"))
    .option('--json', 'print the report as JSON')
    .action(async (options: FarmOptionValues & { json?: boolean }) => {
      const farm = requireFarm(options);
      const { farmStatus } = await import('../farm/farm-status.js');
      const status = await farmStatus(farm);
      if (options.json) return print(JSON.stringify(status));
      print(`Queue ${status.queue}: ${status.counts.waiting} waiting, ${status.counts.active} running, ${status.counts.completed} completed and ${status.counts.failed} failed in the last hour`);
      print(`${status.workers.length} worker${status.workers.length === 1 ? '' : 's'}`);
      for (const worker of status.workers) {
        const seen = Math.max(0, Math.round((Date.now() - Date.parse(worker.lastSeen)) / 1000));
        print(`  ${worker.id.padEnd(32)} ${worker.host.padEnd(20)} ${(worker.passes.length > 0 ? worker.passes.join(',') : 'idle').padEnd(28)} last seen ${seen} s ago`);
      }
    });
}

function requireFarm(options: FarmOptionValues) {
  const farm = resolveFarmConfig(options);
  if (!farm) throw new RenderbayError('invalid_request', 'no render farm configured: give --queue redis://… and --store s3://… (or RENDERBAY_QUEUE and RENDERBAY_STORE)');
  return farm;
}
