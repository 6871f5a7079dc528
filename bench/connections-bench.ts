/**
 * Slow clients against a `renderbay serve` with few file descriptors: what a legitimate
 * client sees while they press on, and how long the server takes to cut them.
 *
 *   npm run bench:connections [-- --cli OTHER/dist/src/cli.js] [--open-files 256] [--slow 300] [--requests 20] [--fast]
 *
 * 1. `--slow` clients (a third each trickling headers, trickling an upload body, idle on
 *    keep-alive), each reconnecting when cut, against a server under `ulimit -n --open-files`;
 *    meanwhile `--requests` legitimate GET /v1/account, one after another on fresh connections
 *    (5 s allowed each): answered, failed, latency p50/max.
 * 2. Then 20 of each kind, under the cap, not reconnecting: time from connect (idle: from the
 *    answer) to the server's cut, with the production timeouts (20 s, 30 s, 5 s) unless `--fast`.
 * `--cli` runs another build (e.g. the main branch's) for a before/after comparison.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startServerProcess } from '../test/helpers/api-server.js';
import { SLOW_KINDS, startSlowClients, timeRequests } from '../test/helpers/slow-clients.js';
import { percentile } from './statistics.js';

const FAST = { RENDERBAY_HEADERS_TIMEOUT: '1.5', RENDERBAY_BODY_RATE_WINDOW: '2', RENDERBAY_KEEP_ALIVE_TIMEOUT: '1' };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cli: { type: 'string', default: path.resolve('dist/src/cli.js') },
      'open-files': { type: 'string', default: '256' },
      slow: { type: 'string', default: '300' },
      requests: { type: 'string', default: '20' },
      fast: { type: 'boolean', default: false },
    },
  });
  const perKind = Math.round(Number(values.slow) / 3);
  const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-connections-bench-'));
  const { stdout } = await promisify(execFile)(process.execPath, [values.cli, 'keys', 'create', '--name', 'bench', '--data', data]);
  const key = stdout.trim();
  const server = await startServerProcess(data, { cli: values.cli, openFileLimit: Number(values['open-files']), env: values.fast ? FAST : {} });
  const describe = (numbers: number[]) => (numbers.length ? `p50 ${percentile(numbers, 0.5).toFixed(0)} ms, max ${Math.max(...numbers).toFixed(0)} ms` : 'none');
  try {
    console.log(server.log().trim());
    const baseline = await timeRequests(server.url, key, 10, { timeoutMs: 5000 });
    console.log(`no slow clients: ${baseline.latenciesMs.length} answered, latency ${describe(baseline.latenciesMs)}`);

    const loop = startSlowClients({ apiUrl: server.url, key, counts: { headers: perKind, body: perKind, idle: perKind }, reconnect: true });
    const openBefore = await loop.whenOpen(3 * perKind, 5000);
    const timings = await timeRequests(server.url, key, Number(values.requests), { timeoutMs: 5000 });
    const openAfter = loop.open();
    const pressure = await loop.stop(0);
    const failures = Object.entries(timings.failures.reduce<Record<string, number>>((counts, why) => ({ ...counts, [why]: (counts[why] ?? 0) + 1 }), {}));
    console.log(`${3 * perKind} slow clients (${openBefore} → ${openAfter} connected during the requests; ${SLOW_KINDS.map((kind) => `${pressure[kind].connections} ${kind}`).join(', ')} connections made)`);
    console.log(`legitimate requests: ${timings.latenciesMs.length}/${values.requests} answered, latency ${describe(timings.latenciesMs)}; failures ${JSON.stringify(Object.fromEntries(failures))}`);

    await new Promise((resolve) => setTimeout(resolve, 2000)); // let the server let go of the loop's connections
    const batch = startSlowClients({ apiUrl: server.url, key, counts: { headers: 20, body: 20, idle: 20 }, reconnect: false });
    await batch.whenOpen(60, 10_000);
    const cuts = await batch.stop(values.fast ? 15_000 : 60_000);
    for (const kind of SLOW_KINDS) {
      console.log(`${kind}: cut after ${describe(cuts[kind].cutAfterMs)}; ${cuts[kind].survivors} not cut; statuses ${JSON.stringify(cuts[kind].statuses)}`);
    }
  } finally {
    await server.kill();
    await rm(data, { recursive: true, force: true });
  }
}

await main();
