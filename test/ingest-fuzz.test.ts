/**
 * The ingest path under fuzzing, CI-sized: 200 mutated fixtures (bit flips, truncation, GLB
 * length and chunk-header corruption, glTF JSON corruption, zip header and entry damage)
 * through a real `renderbay serve` on 127.0.0.1 — multipart uploads, URL ingest for a share
 * of the GLB/glTF inputs, and uploads with renderSettings from an account with no credits. Fixed seed, so a failure names an input anyone can replay:
 * `npm run bench:fuzz -- --seed 1 --first N --count 1`.
 *
 * Every input is accepted (201 with a model) or refused with a 4xx code from the allow-list;
 * the server never dies, never answers 500, and a refused input leaves store/ and tmp/
 * exactly as they were. Accepted models' preview renders are queued but not rendered (the
 * renderer runs in child processes; `npm run bench:fuzz -- --render` renders them all).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { REFUSAL_CODES, runCampaign, type InputOutcome } from '../scripts/fuzz/fuzz-campaign.js';

const SEED = 1;
const INPUTS = 200;

const describe = (outcomes: InputOutcome[]) =>
  outcomes.map((outcome) => `#${outcome.index} ${outcome.code}${outcome.leftover ? ` (${outcome.leftover})` : ''}: ${outcome.recipe}\n${outcome.detail ?? ''}`).join('\n');

test(`${INPUTS} fuzzed uploads and URL ingests: each accepted or refused with a stable code, the server alive, nothing left behind`, { timeout: 300_000 }, async () => {
  const dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-fuzz-'));
  try {
    const report = await runCampaign({ seed: SEED, count: INPUTS, dataDirectory });
    assert.equal(report.inputs, INPUTS);
    assert.deepEqual(report.deaths, [], `the server died on:\n${describe(report.deaths)}`);
    assert.deepEqual(report.failures, [], `not accepted, nor refused with an allowed code:\n${describe(report.failures)}`);
    assert.ok(report.answeredAtEnd, 'the server answers after the last input');
    assert.equal(report.exitCode, 0, 'and stops cleanly on SIGTERM');

    // The mutants reach every stage: some refused at the door, some kept invalid, some whole models.
    const refusals = Object.keys(report.refusedByCode).filter((code) => REFUSAL_CODES.has(code));
    assert.ok(refusals.length >= 3, `refused only with ${refusals.join(', ')}`);
    assert.ok((report.acceptedBy.invalid ?? 0) > 0 && (report.acceptedBy.new ?? 0) > 0, JSON.stringify(report.acceptedBy));
    assert.ok((report.byRoute.url ?? 0) >= 10 && (report.byRoute.paid ?? 0) >= 10, JSON.stringify(report.byRoute));
    // Among them, paid uploads refused for want of credits after ingest had stored the file: the
    // refusal that used to leave the upload and its GLB in the store (issue 11 §3). Which inputs
    // these are depends on the fixture set the mutants come from (2 of 200 with today's).
    assert.ok((report.refusedByCode.no_credits ?? 0) >= 1, JSON.stringify(report.refusedByCode));

    assert.deepEqual(report.leftovers, [], `files left on disk:\n${describe(report.leftovers)}`);
  } finally {
    await rm(dataDirectory, { recursive: true, force: true });
  }
});
