/**
 * Fuzzing the ingest path at scale: mutated fixtures through a real `renderbay serve`
 * (multipart uploads, URL ingest for a share of the GLB/glTF inputs, and uploads with
 * renderSettings from an account with no credits).
 *
 *   npm run bench:fuzz [-- --count 2000] [--seed 1] [--first 0] [--url-every 4] [--paid-every 5] [--render] [--save DIR]
 *
 * Prints inputs, accepted, refused by code, failures, process deaths, leftover files and
 * wall time. `--first N --count 1` replays one input; `--save DIR` writes every failing
 * input there (named by index) to reduce into a regression test. `--render` lets the
 * server render every accepted model's preview at the end and counts their outcomes.
 * Exits 1 when any input failed, killed the server or left files behind.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCampaign, type CampaignReport, type InputOutcome } from '../scripts/fuzz/fuzz-campaign.js';
import { loadCorpus, mutantAt } from '../scripts/fuzz/mutants.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    first: { type: 'string', default: '0' },
    'url-every': { type: 'string', default: '4' },
    'paid-every': { type: 'string', default: '5' },
    render: { type: 'boolean', default: false },
    save: { type: 'string' },
  },
});

// Ctrl-C ends the run through process.exit, so the server process goes too (see launch()).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const count = Number(values.count);
const seed = Number(values.seed);
const first = Number(values.first);
const corpus = await loadCorpus();
const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-fuzz-bench-'));
console.log(`Renderbay ingest fuzz: ${count} inputs from seed ${seed} (first ${first}), ${corpus.length} corpus files; ${os.cpus().length} cores, load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);

const problem = (outcome: InputOutcome) =>
  `  #${outcome.index} [${outcome.route}] ${outcome.kind} ${outcome.code}${outcome.leftover ? ` leftover: ${outcome.leftover}` : ''}\n    ${outcome.recipe}${outcome.detail ? `\n    ${outcome.detail.trim().split('\n').slice(0, 12).join('\n    ')}` : ''}`;

let report: CampaignReport;
try {
  report = await runCampaign({
    seed,
    count,
    first,
    corpus,
    urlEvery: Number(values['url-every']),
    paidEvery: Number(values['paid-every']),
    renderPreviews: values.render,
    dataDirectory: data,
    onInput: (outcome, running) => {
      if (outcome.kind === 'failure' || outcome.kind === 'death' || outcome.leftover) console.log(problem(outcome));
      if (running.inputs % 100 === 0) console.log(`  … ${running.inputs} inputs, ${running.failures.length} failures, ${running.deaths.length} deaths, ${running.leftovers.length} leftovers`);
    },
  });
} finally {
  await rm(data, { recursive: true, force: true });
}

const sorted = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
const refused = Object.values(report.refusedByCode).reduce((total, n) => total + n, 0);
console.log(`
inputs            ${report.inputs} (${sorted(report.byRoute)})
accepted          ${report.accepted} (${sorted(report.acceptedBy)})
refused           ${refused} (${sorted(report.refusedByCode)})
failures          ${report.failures.length}
process deaths    ${report.deaths.length}
leftover files    ${report.leftovers.length} inputs
answered at end   ${report.answeredAtEnd ? 'yes' : 'NO'}, exit code on SIGTERM ${report.exitCode}${report.previews ? `\npreview renders   ${sorted(report.previews)}` : ''}
slowest inputs    ${report.slowest.map((outcome) => `#${outcome.index} ${(outcome.ms / 1000).toFixed(1)} s`).join(', ')}
wall time         ${(report.wallMs / 1000).toFixed(1)} s (${(report.wallMs / Math.max(1, report.inputs)).toFixed(0)} ms per input)`);

const bad = [...report.failures, ...report.deaths, ...report.leftovers];
if (values.save && bad.length > 0) {
  await mkdir(values.save, { recursive: true });
  for (const outcome of bad) {
    const input = mutantAt(corpus, seed, outcome.index);
    await writeFile(path.join(values.save, `${outcome.index}-${input.name}`), input.bytes);
  }
  console.log(`saved ${bad.length} inputs to ${values.save}`);
}
process.exit(bad.length > 0 || !report.answeredAtEnd ? 1 : 0);
