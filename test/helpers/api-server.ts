/**
 * A real `renderbay serve` process on 127.0.0.1 with its own data directory, and the
 * small client helpers API tests share: keys made with the real CLI, JSON calls,
 * multipart uploads and polling.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = path.resolve('dist/src/cli.js');

export interface ServerProcess {
  url: string;
  dataDirectory: string;
  process: ChildProcess;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash simulation). */
  kill(): Promise<void>;
  log(): string;
}

export async function startServerProcess(
  dataDirectory: string,
  options: {
    allowPrivateUrls?: boolean;
    env?: NodeJS.ProcessEnv;
    /** extra `renderbay serve` arguments */
    args?: string[];
    /** `ulimit -n` for the server process */
    openFileLimit?: number;
    /** another build's cli.js */
    cli?: string;
  } = {},
): Promise<ServerProcess> {
  const args = [options.cli ?? CLI, 'serve', '--port', '0', '--data', dataDirectory, '--concurrency', '1', ...(options.args ?? [])];
  if (options.allowPrivateUrls) args.push('--allow-private-urls');
  const [command, commandArgs] = options.openFileLimit
    ? ['bash', ['-c', `ulimit -n ${options.openFileLimit} && exec "$@"`, 'bash', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, commandArgs, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    dataDirectory,
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    log: () => output,
  };
}

/** `renderbay keys create` — returns the printed key. */
export async function createKey(dataDirectory: string, options: { account?: string; readOnly?: boolean; name?: string } = {}): Promise<string> {
  const args = [CLI, 'keys', 'create', '--name', options.name ?? 'test', '--data', dataDirectory];
  if (options.account) args.push('--account', options.account);
  if (options.readOnly) args.push('--read-only');
  const { stdout } = await run(process.execPath, args);
  return stdout.trim();
}

export async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args]);
  return stdout.trim();
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = any>(server: { url: string }, key: string | null, method: string, route: string, body?: unknown): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (typeof body === 'string') {
    payload = body;
    headers['content-type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${server.url}${route}`, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Asserts the REST error envelope: the HTTP status, the stable code, and (optionally) what the message says. */
export function expectError(response: { status: number; body: any }, status: number, code: string, message?: RegExp): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.body.error.code, code, JSON.stringify(response.body));
  assert.equal(response.body.error.status, status);
  assert.equal(typeof response.body.error.message, 'string');
  if (message) assert.match(response.body.error.message, message);
}

export async function modelForm(file: string, renderSettings?: unknown, fileName = path.basename(file)): Promise<FormData> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await readFile(file))]), fileName);
  if (renderSettings !== undefined) form.append('renderSettings', typeof renderSettings === 'string' ? renderSettings : JSON.stringify(renderSettings));
  return form;
}

const FINISHED = ['done', 'error', 'failed'];

/** Polls a render until `done` or `error`, recording every status seen. */
export async function waitForRender(server: { url: string }, key: string, renderId: string, timeoutMs = 120_000): Promise<{ render: any; statuses: string[] }> {
  return pollRender(server, key, renderId, (status) => FINISHED.includes(status), timeoutMs, 100);
}

/**
 * Polls a render until it reaches `status` (e.g. `video-processing`, to act mid-render).
 * Deadline-based, so a slow machine gets time rather than a fixed number of polls; it
 * throws if the render finishes without passing through `status` in a poll.
 */
export async function waitForStatus(server: { url: string }, key: string, renderId: string, status: string, timeoutMs = 120_000): Promise<any> {
  const { render } = await pollRender(server, key, renderId, (seen) => seen === status || FINISHED.includes(seen), timeoutMs, 50);
  assert.equal(render.status, status, `render ${renderId} reached ${render.status} without being seen ${status}`);
  return render;
}

async function pollRender(
  server: { url: string },
  key: string,
  renderId: string,
  stop: (status: string) => boolean,
  timeoutMs: number,
  intervalMs: number,
): Promise<{ render: any; statuses: string[] }> {
  const statuses: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api(server, key, 'GET', `/renders/${renderId}`);
    const render = body.data;
    if (statuses.at(-1) !== render.status) statuses.push(render.status);
    if (stop(render.status)) return { render, statuses };
    if (Date.now() > deadline) throw new Error(`render ${renderId} still ${render.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Files left under the data directory's tmp/ (every process has its own folder there). */
export async function tempLeftovers(dataDirectory: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const root = path.join(dataDirectory, 'tmp');
  const leftovers: string[] = [];
  for (const folder of await readdir(root).catch(() => [] as string[])) {
    for (const entry of await readdir(path.join(root, folder)).catch(() => [] as string[])) leftovers.push(`${folder}/${entry}`);
  }
  return leftovers;
}
