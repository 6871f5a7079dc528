/**
 * A render farm on 127.0.0.1 for tests and benchmarks: a real redis-server (Debian's, as
 * scripts/setup.sh installs it) on a free port with no persistence, a real S3-compatible
 * server (s3rver, from npm) on a free port over a temp folder, control planes
 * (`renderbay serve --queue --store`) and workers (`renderbay worker`) as real processes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from './api-server.js';
import { waitUntil } from './processes.js';

const CLI = path.resolve('dist/src/cli.js');
export const BUCKET = 'renderbay-test';

/** Why the farm tests cannot run here (redis-server or s3rver missing), or null. */
export function farmUnavailable(): string | null {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'redis-server is not installed (scripts/setup.sh installs it): render farm tests skipped';
  }
  try {
    execFileSync(process.execPath, ['-e', "require.resolve('s3rver')"], { stdio: 'ignore' });
  } catch {
    return 's3rver is not installed (npm ci installs it): render farm tests skipped';
  }
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisProcess {
  url: string;
  port: number;
  /** SIGKILL, then start again on the same port with nothing in it. */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-redis-'));
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory], { stdio: 'ignore' });
    await waitUntil('redis-server to listen', () => canConnect(port), 20_000);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restartEmpty: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface S3Server {
  endpoint: string;
  /** The AWS_* variables a control plane or worker needs to reach it. */
  env: NodeJS.ProcessEnv;
  storeUrl: string;
  stop(): Promise<void>;
}

/** s3rver in a child process (so that a test can make the store unreachable by stopping it). */
export async function startS3(port?: number, directory?: string): Promise<S3Server & { directory: string; port: number }> {
  const listenPort = port ?? (await freePort());
  const folder = directory ?? (await mkdtemp(path.join(os.tmpdir(), 'renderbay-s3-')));
  const script = `
    const S3rver = require('s3rver');
    new S3rver({ port: ${listenPort}, address: '127.0.0.1', silent: true, directory: ${JSON.stringify(folder)}, configureBuckets: [{ name: ${JSON.stringify(BUCKET)} }] })
      .run().then(() => console.log('ready'), (error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      if (output.includes('ready')) resolve();
    });
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
  });
  const endpoint = `http://127.0.0.1:${listenPort}`;
  return {
    endpoint,
    port: listenPort,
    directory: folder,
    storeUrl: `s3://${BUCKET}/renders`,
    env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: '1' },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Short lock and check intervals, so that a killed worker is noticed in seconds. Not shorter:
 * with a 3 s lock a live worker on CI's loaded 2 cores once missed its renewal and lost a pass
 * (a wasted try; production's lock is 15 s).
 */
export const FAST_FARM_ENV = { RENDERBAY_FARM_LOCK_MS: '5000', RENDERBAY_FARM_CHECK_MS: '500' };

export function startControlPlane(dataDirectory: string, redis: RedisProcess, s3: S3Server, extraEnv: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  return startServerProcess(dataDirectory, {
    args: ['--queue', redis.url, '--store', s3.storeUrl, '--concurrency', '16'],
    env: { ...s3.env, ...FAST_FARM_ENV, ...extraEnv },
  });
}

export interface WorkerProcess {
  process: ChildProcess;
  scratch: string;
  log(): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(redis: RedisProcess, s3: S3Server, options: { concurrency?: number; scratch?: string } = {}): Promise<WorkerProcess> {
  const scratch = options.scratch ?? (await mkdtemp(path.join(os.tmpdir(), 'renderbay-worker-')));
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', redis.url, '--store', s3.storeUrl, '--concurrency', String(options.concurrency ?? 1), '--scratch', scratch], {
    env: { ...process.env, ...s3.env, ...FAST_FARM_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      if (output.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    scratch,
    log: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
