/**
 * Runs fuzz inputs (mutants.ts) through a real `renderbay serve` process on 127.0.0.1, the
 * way users reach it: multipart `POST /v1/models` uploads, `POST /v1/models/ingest` with a
 * URL on a local HTTP server for a share of the GLB/glTF inputs, and for another share
 * uploads with renderSettings from an account with no credits (refused with `no_credits`
 * once ingest finds a valid model: a refusal after the file was stored). One input at a
 * time, so every change on disk belongs to the input that caused it.
 *
 * Every input must end one of two ways:
 * - accepted: 201 with a model (new, a duplicate, or kept but marked invalid), adding at
 *   most the upload and its normalised GLB to the store and nothing to tmp/;
 * - refused: a 4xx whose code is in REFUSAL_CODES, with store/ and tmp/ unchanged.
 * Anything else is a failure to investigate: a 5xx or `internal`, an unknown code, no
 * answer, a file left behind, or the server process dying (it is restarted, and counted).
 *
 * The harness holds the data directory's engine lock, as a second Renderbay process would,
 * so the server queues the accepted models' preview renders but does not render them (the
 * renderer runs in child processes of its own; rendering hundreds of mutants would cost
 * minutes and, by design, cannot take the server down). `renderPreviews` lets it render them
 * at the end and waits for every one to finish.
 */
import { readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EngineLock } from '../../src/jobs/engine-lock.js';
import { api, cli, createKey, startServerProcess, type ServerProcess } from '../../test/helpers/api-server.js';
import { loadCorpus, mutantAt, type CorpusFile, type FuzzInput } from './mutants.js';

/** The codes an input may be refused with: each names something wrong with the file. */
export const REFUSAL_CODES: ReadonlySet<string> = new Set(['invalid_format', 'invalid_model', 'unsafe_archive', 'unsupported_extension', 'file_too_large']);
/** A paid upload (with renderSettings) from an account without credits may also be refused for that. */
const PAID_REFUSAL_CODES: ReadonlySet<string> = new Set([...REFUSAL_CODES, 'no_credits']);
/** The render settings of paid uploads. */
const PAID_SETTINGS = JSON.stringify({ quality: 'share' });

export interface CampaignOptions {
  seed: number;
  count: number;
  /** First input index (to replay one input: `first` = its index, `count` = 1). */
  first?: number;
  /** Every n-th GLB/glTF input goes through URL ingest instead of an upload (0: none). */
  urlEvery?: number;
  /** Every n-th other input is a paid upload (with renderSettings) from an account with no credits (0: none). */
  paidEvery?: number;
  /** A request that takes longer is a failure ("no answer"). */
  requestTimeoutMs?: number;
  /** After the inputs, let the server render the queued previews and wait for them all. */
  renderPreviews?: boolean;
  dataDirectory: string;
  corpus?: CorpusFile[];
  /** Called after every input. */
  onInput?: (outcome: InputOutcome, report: CampaignReport) => void;
}

export type OutcomeKind = 'accepted' | 'refused' | 'failure' | 'death';

export interface InputOutcome {
  index: number;
  recipe: string;
  /** `paid`: an upload with renderSettings from an account with no credits. */
  route: 'upload' | 'url' | 'paid';
  kind: OutcomeKind;
  status: number | null;
  /** The error code (refused, failure) or the model's state (accepted: new, duplicate, invalid). */
  code: string;
  ms: number;
  /** Files and bytes the input added to store/ and tmp/ beyond what its outcome allows. */
  leftover: string | null;
  /** For failures and deaths: the answer and what the server logged meanwhile. */
  detail?: string;
}

export interface CampaignReport {
  seed: number;
  inputs: number;
  accepted: number;
  acceptedBy: Record<string, number>;
  refusedByCode: Record<string, number>;
  failures: InputOutcome[];
  deaths: InputOutcome[];
  leftovers: InputOutcome[];
  /** The slowest inputs, slowest first. */
  slowest: InputOutcome[];
  byRoute: Record<string, number>;
  /** Preview renders of accepted models by final status (renderPreviews only). */
  previews: Record<string, number> | null;
  /** Whether the server answered after the last input, and its exit code on SIGTERM. */
  answeredAtEnd: boolean;
  exitCode: number | null;
  wallMs: number;
}

interface DiskUsage {
  files: number;
  bytes: number;
}

async function usage(folder: string): Promise<DiskUsage> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  const total = { files: 0, bytes: 0 };
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const info = await stat(path.join(entry.parentPath ?? entry.path, entry.name)).catch(() => null);
    if (!info) continue;
    total.files += 1;
    total.bytes += info.size;
  }
  return total;
}

async function diskUsage(dataDirectory: string): Promise<{ store: DiskUsage; tmp: DiskUsage }> {
  const [store, tmp] = await Promise.all([usage(path.join(dataDirectory, 'store')), usage(path.join(dataDirectory, 'tmp'))]);
  return { store, tmp };
}

/** What an outcome may add to the disk: a new model its upload and normalised GLB; nothing else. */
function leftoverOf(outcome: Pick<InputOutcome, 'kind' | 'code'>, before: { store: DiskUsage; tmp: DiskUsage }, after: { store: DiskUsage; tmp: DiskUsage }): string | null {
  const storeFiles = after.store.files - before.store.files;
  const storeBytes = after.store.bytes - before.store.bytes;
  const tmpFiles = after.tmp.files - before.tmp.files;
  const tmpBytes = after.tmp.bytes - before.tmp.bytes;
  const allowedStoreFiles = outcome.kind === 'accepted' && outcome.code !== 'duplicate' ? 2 : 0;
  const storeOk = storeFiles <= allowedStoreFiles && (allowedStoreFiles > 0 || storeBytes === 0);
  if (storeOk && tmpFiles === 0 && tmpBytes === 0) return null;
  return `store ${signed(storeFiles)} files ${signed(storeBytes)} B, tmp ${signed(tmpFiles)} files ${signed(tmpBytes)} B`;
}

const signed = (value: number) => (value >= 0 ? `+${value}` : String(value));

/** Serves the current URL-ingest input, keep-alive like any ordinary web server. */
async function startOrigin(): Promise<{ url: string; serve(input: FuzzInput): string; close(): Promise<void> }> {
  let current: FuzzInput | null = null;
  const origin = http.createServer((request, response) => {
    if (!current || request.url !== `/${current.index}/${encodeURIComponent(current.name)}`) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': current.bytes.length });
    response.end(current.bytes);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  return {
    url,
    serve: (input) => {
      current = input;
      return `${url}/${input.index}/${encodeURIComponent(input.name)}`;
    },
    close: () => new Promise<void>((resolve) => (origin.closeAllConnections(), origin.close(() => resolve()))),
  };
}

interface LiveServer {
  server: ServerProcess;
  exited: boolean;
}

async function launch(dataDirectory: string): Promise<LiveServer> {
  const server = await startServerProcess(dataDirectory, { allowPrivateUrls: true });
  const live: LiveServer = { server, exited: false };
  // A harness stopped midway (Ctrl-C on the bench) takes its server along.
  const killOnExit = () => server.process.kill('SIGKILL');
  process.once('exit', killOnExit);
  server.process.once('exit', () => {
    live.exited = true;
    process.off('exit', killOnExit);
  });
  return live;
}

async function send(live: LiveServer, key: string, input: FuzzInput, route: InputOutcome['route'], origin: { serve(input: FuzzInput): string }, timeoutMs: number) {
  const signal = AbortSignal.timeout(timeoutMs);
  const headers = { authorization: `Bearer ${key}` };
  let response: Response;
  if (route !== 'url') {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(input.bytes)]), input.name);
    if (route === 'paid') form.append('renderSettings', PAID_SETTINGS);
    response = await fetch(`${live.server.url}/models`, { method: 'POST', headers, body: form, signal });
  } else {
    const body = JSON.stringify({ url: origin.serve(input) });
    response = await fetch(`${live.server.url}/models/ingest`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body, signal });
  }
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: a failure, reported with its text */
  }
  return { status: response.status, json, text };
}

/** Waits until every preview render has finished (the server renders once the harness lets go of the engine lock). */
async function awaitPreviews(live: LiveServer, renders: { renderId: string; key: string }[]): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const { renderId, key } of renders) {
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      if (live.exited) throw new Error(`the server died while rendering preview ${renderId}:\n${live.server.log().slice(-4000)}`);
      const render = (await api(live.server, key, 'GET', `/renders/${renderId}`)).body.data;
      if (['done', 'error', 'failed'].includes(render.status)) {
        const label = render.status === 'done' ? 'done' : `${render.status}:${render.errorCode ?? 'none'}`;
        statuses[label] = (statuses[label] ?? 0) + 1;
        break;
      }
      if (Date.now() > deadline) throw new Error(`preview ${renderId} is still ${render.status} after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return statuses;
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now();
  const corpus = options.corpus ?? (await loadCorpus());
  const first = options.first ?? 0;
  const urlEvery = options.urlEvery ?? 4;
  const timeoutMs = options.requestTimeoutMs ?? 200_000;
  const { dataDirectory } = options;

  const paidEvery = options.paidEvery ?? 5;
  const key = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'no-credits@fuzz.invalid', '--credits', '0', '--data', dataDirectory);
  const brokeKey = await createKey(dataDirectory, { account: 'no-credits@fuzz.invalid' });
  const lock = new EngineLock(dataDirectory);
  if (!lock.tryAcquire()) throw new Error(`another process renders in ${dataDirectory}; the fuzz campaign needs its own data directory`);
  const origin = await startOrigin();
  let live = await launch(dataDirectory);
  const report: CampaignReport = {
    seed: options.seed,
    inputs: 0,
    accepted: 0,
    acceptedBy: {},
    refusedByCode: {},
    failures: [],
    deaths: [],
    leftovers: [],
    slowest: [],
    byRoute: {},
    previews: null,
    answeredAtEnd: false,
    exitCode: null,
    wallMs: 0,
  };
  const previews: { renderId: string; key: string }[] = [];
  try {
    for (let index = first; index < first + options.count; index++) {
      const input = mutantAt(corpus, options.seed, index);
      const gltfFamily = /\.(glb|gltf)$/i.test(input.name);
      const route: InputOutcome['route'] =
        urlEvery > 0 && gltfFamily && index % urlEvery === 0 ? 'url' : paidEvery > 0 && index % paidEvery === 2 ? 'paid' : 'upload';
      const caller = route === 'paid' ? brokeKey : key;
      const before = await diskUsage(dataDirectory);
      const logStart = live.server.log().length;
      const sent = performance.now();
      let outcome: InputOutcome;
      try {
        const { status, json, text } = await send(live, caller, input, route, origin, timeoutMs);
        const base = { index, recipe: input.recipe, route, status, ms: performance.now() - sent, leftover: null };
        const code: string | undefined = json?.error?.code;
        if ((status === 201 || status === 200) && typeof json?.data?.modelId === 'string') {
          let state = json.data.duplicate ? 'duplicate' : 'new';
          if (state === 'new') {
            previews.push({ renderId: json.data.renderId, key: caller });
            const model = await api(live.server, caller, 'GET', `/models/${json.data.modelId}`);
            if (model.body?.data?.status === 'invalid') state = 'invalid';
          }
          outcome = { ...base, kind: 'accepted', code: state };
        } else if (status >= 400 && status < 500 && code !== undefined && (route === 'paid' ? PAID_REFUSAL_CODES : REFUSAL_CODES).has(code)) {
          outcome = { ...base, kind: 'refused', code };
        } else {
          outcome = { ...base, kind: 'failure', code: code ?? `http-${status}`, detail: `${status} ${text.slice(0, 500)}\n${live.server.log().slice(logStart, logStart + 4000)}` };
        }
      } catch (error) {
        await new Promise((resolve) => setTimeout(resolve, 200)); // an exit is reported a moment after the socket closes
        const detail = `${(error as Error).message}\n${live.server.log().slice(logStart, logStart + 4000)}`;
        outcome = { index, recipe: input.recipe, route, status: null, kind: live.exited ? 'death' : 'failure', code: live.exited ? 'death' : 'no-answer', ms: performance.now() - sent, leftover: null, detail };
      }
      if (live.exited && outcome.kind !== 'death') {
        outcome = { ...outcome, kind: 'death', code: 'death', detail: live.server.log().slice(logStart, logStart + 4000) };
      }
      if (outcome.kind === 'death') {
        live = await launch(dataDirectory);
      } else {
        outcome.leftover = leftoverOf(outcome, before, await diskUsage(dataDirectory));
      }
      tally(report, outcome);
      options.onInput?.(outcome, report);
    }
    report.answeredAtEnd = !live.exited && (await api(live.server, key, 'GET', '/account').catch(() => ({ status: 0 }))).status === 200;
    if (options.renderPreviews && report.answeredAtEnd) {
      lock.release();
      report.previews = await awaitPreviews(live, previews);
    }
  } finally {
    report.exitCode = live.exited ? (live.server.process.exitCode ?? -1) : await live.server.stop();
    lock.release();
    await origin.close();
    report.wallMs = performance.now() - started;
  }
  return report;
}

function tally(report: CampaignReport, outcome: InputOutcome): void {
  report.inputs += 1;
  report.byRoute[outcome.route] = (report.byRoute[outcome.route] ?? 0) + 1;
  if (outcome.kind === 'accepted') {
    report.accepted += 1;
    report.acceptedBy[outcome.code] = (report.acceptedBy[outcome.code] ?? 0) + 1;
  } else if (outcome.kind === 'refused') {
    report.refusedByCode[outcome.code] = (report.refusedByCode[outcome.code] ?? 0) + 1;
  } else if (outcome.kind === 'failure') {
    report.failures.push(outcome);
  } else {
    report.deaths.push(outcome);
  }
  if (outcome.leftover) report.leftovers.push(outcome);
  report.slowest = [...report.slowest, outcome].sort((a, b) => b.ms - a.ms).slice(0, 5);
}
