/**
 * Operator commands on a data directory's disk use: `gc` gives back files nothing refers
 * to and scratch folders of stopped processes, `du` reports what uses the space. Both are
 * safe while a server runs on the same directory (see src/storage/garbage-collection.ts).
 */
import { Command } from 'commander';
import { withDataDirectory } from './admin-commands.js';
import { isProcessAlive } from '../jobs/engine-lock.js';
import { diskUsage, formatBytes, type Usage } from '../storage/disk-usage.js';
import { collectGarbage } from '../storage/garbage-collection.js';
import type { ObjectStore } from '../storage/object-store.js';

const print = (text: string): void => void process.stdout.write(`${text}\n`);
const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;
const line = (label: string, usage: Usage, extra = '') => print(`${label.padEnd(16)}${formatBytes(usage.bytes).padStart(10)}  ${files(usage.files)}${extra}`);

export function registerStorageCommands(program: Command): void {
  program
    .command('gc')
    .description('Delete stored files nothing refers to and scratch folders of stopped processes; prints what was freed (with --store, also in the object store, which gets back referenced files it lacks or holds cut short)')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA, default ~/.renderbay)')
    .option('--store <url>', "also a render farm's object store, s3://bucket/prefix (RENDERBAY_STORE)")
    .option('--json', 'print the report as JSON')
    .action((options: { data?: string; json?: boolean; store?: string }) =>
      withDataDirectory(options.data, async ({ db, store, dataDirectory: directory }) => {
        const report = await collectGarbage(db, store, isProcessAlive);
        const remote = await withObjectStore(options.store, async (objects) => (await import('../storage/object-store-maintenance.js')).collectObjectGarbage(db, objects, store));
        const freedBytes = report.store.bytes + report.tmp.bytes + (remote?.bytes ?? 0);
        if (options.json) return print(JSON.stringify({ dataDirectory: directory, ...report, ...(remote ? { objectStore: remote } : {}), freedBytes }));
        print(`Data directory ${directory}`);
        line('unreferenced', report.store);
        line('tmp', report.tmp, `, ${report.tmp.folders} folder${report.tmp.folders === 1 ? '' : 's'} of stopped processes`);
        if (remote) {
          line('object store', remote, ', unreferenced objects');
          if (remote.restored.files > 0) line('  restored', remote.restored, ', referenced files the store lacked, uploaded again');
          if (remote.repaired.files > 0) line('  repaired', remote.repaired, ', referenced files the store held cut short, uploaded again');
          if (remote.missing > 0) print(`  ${files(remote.missing)} referenced but in neither the store nor ${directory}`);
        }
        print(`Freed ${formatBytes(freedBytes)} (${freedBytes} bytes)`);
      }),
    );
  program
    .command('du')
    .description('Report the disk use of a data directory: the store by kind (models, renders, overlays, unreferenced), tmp, database')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA, default ~/.renderbay)')
    .option('--store <url>', "also a render farm's object store, s3://bucket/prefix (RENDERBAY_STORE)")
    .option('--json', 'print the report as JSON')
    .action((options: { data?: string; json?: boolean; store?: string }) =>
      withDataDirectory(options.data, async ({ db, store, dataDirectory: directory }) => {
        const usage = diskUsage(directory, db, store);
        const remote = await withObjectStore(options.store, async (objects) => (await import('../storage/object-store-maintenance.js')).objectStoreUsage(db, objects));
        if (options.json) return print(JSON.stringify({ dataDirectory: directory, ...usage, ...(remote ? { objectStore: remote } : {}) }));
        if (remote) {
          print('Object store');
          for (const kind of ['models', 'renders', 'overlays', 'unreferenced', 'total'] as const) line(`  ${kind}`, remote[kind]);
        }
        print(`Data directory ${directory}`);
        line('store', usage.store.total);
        for (const kind of ['models', 'renders', 'overlays', 'unreferenced'] as const) line(`  ${kind}`, usage.store[kind]);
        line('tmp', usage.tmp, `, ${usage.tmp.folders} folder${usage.tmp.folders === 1 ? '' : 's'}`);
        line('database', usage.database);
        if (usage.other.files > 0) line('other', usage.other);
        line('total', usage.total);
        if (usage.store.unreferenced.files > 0) print(`(renderbay gc --data ${directory} frees the unreferenced files)`);
      }),
    );
}

/** Runs `work` on the object store `--store` or RENDERBAY_STORE names, if any. */
async function withObjectStore<T>(url: string | undefined, work: (store: ObjectStore) => Promise<T>): Promise<T | null> {
  const location = url ?? process.env.RENDERBAY_STORE;
  if (!location) return null;
  const { openObjectStore } = await import('../storage/object-store.js');
  const store = await openObjectStore(location);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
