/**
 * Runs one render in a fresh worker process and publishes its outputs.
 *
 * The worker writes into a private temp directory next to the destination; only a
 * complete, successful render is moved into place (rename within one filesystem), so a
 * failed or killed render never leaves a half-written file under a final name. A worker
 * that crashes, or reports no progress for too long, becomes a clear error — never a
 * hung caller.
 */
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDisplay } from '../../renderer/display.js';
import { deserializeError, RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { RenderSettings } from '../settings/render-settings.js';
import { planRender, type PlanOptions, type RenderPlan } from './render-plan.js';
import type { DatasetOutputs, PosterFiles, RenderOutputs, RenderResult, RenderStage, StillsOutputs, VideoOutputs, WorkerToEngine } from './worker-protocol.js';

const WORKER_PATH = fileURLToPath(new URL('../../renderer/worker.js', import.meta.url));

export interface RenderProgress {
  stage: RenderStage;
  framesDone: number;
  framesTotal: number;
}

export interface RenderJob extends PlanOptions {
  modelPath: string;
  settings: RenderSettings;
  /** Where the finished outputs are published (created if missing). */
  outputDirectory: string;
  onProgress?: (progress: RenderProgress) => void;
  /** Kill the worker if it reports nothing for this long (ms). */
  stallTimeoutMs?: number;
  /** Called once a variant's posters exist (paths in the worker's temp directory; copy, don't move). */
  onPoster?: (files: PosterFiles, variant: number) => void;
  /** Called with the worker's pid once it runs (benchmarks sample its memory). */
  onWorkerStarted?: (pid: number) => void;
  /** Stops the render (its worker is killed) when aborted: a deleted render, a shutdown. */
  signal?: AbortSignal;
  /** The first render the pass serves (a render farm shows it as the worker's current pass). */
  passId?: string;
}

export async function renderToDirectory(job: RenderJob): Promise<RenderResult> {
  const outputDirectory = path.resolve(job.outputDirectory);
  await mkdir(outputDirectory, { recursive: true });
  const workDirectory = await mkdtemp(path.join(outputDirectory, '.renderbay-partial-'));
  try {
    const plan = planRender(job.settings, path.resolve(job.modelPath), workDirectory, job);
    const result = await runWorker(plan, job);
    // Whatever the worker lists (video, web, thumb, posters; or dataset.zip and posters),
    // each variant's into its own subdirectory when there are several.
    const publish = async (files: RenderOutputs, directory: string) => {
      const published: Record<string, string> = {};
      await mkdir(path.join(outputDirectory, directory), { recursive: true });
      for (const [output, file] of Object.entries(files) as [string, string][]) {
        // Files keep their place under the work directory (stills/<name>.<ext>).
        const relative = path.relative(path.join(workDirectory, directory), file);
        const destination = path.join(outputDirectory, directory, relative.startsWith('..') ? path.basename(file) : relative);
        await mkdir(path.dirname(destination), { recursive: true });
        await rename(file, destination);
        published[output] = destination;
      }
      return published as unknown as RenderOutputs;
    };
    if (result.output === 'dataset') return { ...result, files: (await publish(result.files, '')) as DatasetOutputs };
    if (result.output === 'stills') return { ...result, files: (await publish(result.files, '')) as StillsOutputs };
    const variants: { files: VideoOutputs }[] = [];
    for (const [index, variant] of result.variants.entries()) {
      variants.push({ files: (await publish(variant.files, plan.variants[index].directory)) as VideoOutputs });
    }
    return { ...result, files: variants[0].files, variants };
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}

async function runWorker(plan: RenderPlan, job: RenderJob): Promise<RenderResult> {
  const display = await ensureDisplay();
  const stallTimeoutMs = job.stallTimeoutMs ?? LIMITS.workerStallTimeoutMs;
  return new Promise<RenderResult>((resolve, reject) => {
    // The worker's stdout/stderr are captured, never inherited: callers such as the MCP
    // stdio server must keep their stdout for protocol only.
    const worker = fork(WORKER_PATH, [], {
      env: { ...process.env, DISPLAY: display },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let outputTail = '';
    const keepTail = (chunk: Buffer) => {
      outputTail = (outputTail + chunk.toString()).slice(-4000);
      if (process.env.RENDERBAY_DEBUG) process.stderr.write(chunk);
    };
    worker.stdout?.on('data', keepTail);
    worker.stderr?.on('data', keepTail);
    let settled = false;
    let watchdog: NodeJS.Timeout;
    const settle = (error: Error | null, result?: RenderResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      if (error) reject(error);
      else resolve(result as RenderResult);
    };
    const armWatchdog = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        settle(new RenderbayError('render_timeout', `The renderer made no progress for ${Math.round(stallTimeoutMs / 1000)} s and was stopped`, 500));
      }, stallTimeoutMs);
    };
    armWatchdog();
    if (worker.pid) job.onWorkerStarted?.(worker.pid);
    const stopped = () => settle(new RenderbayError('render_cancelled', 'The render was stopped', 500));
    if (job.signal?.aborted) stopped();
    job.signal?.addEventListener('abort', stopped, { once: true });

    worker.on('message', (message: WorkerToEngine) => {
      armWatchdog();
      if (message.type === 'progress') job.onProgress?.({ stage: message.stage, framesDone: message.framesDone, framesTotal: message.framesTotal });
      else if (message.type === 'poster') job.onPoster?.(message.files, message.variant);
      else if (message.type === 'done') settle(null, message.result);
      else if (message.type === 'error') settle(deserializeError(message.error));
    });
    worker.on('error', (error) => settle(new RenderbayError('render_crashed', `The renderer process failed to start: ${error.message}`, 500)));
    worker.on('exit', (code, signal) => {
      const lastLine = outputTail.trim().split('\n').filter(Boolean).pop() ?? '';
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      settle(new RenderbayError('render_crashed', `The renderer process ${how} before finishing${lastLine ? `: ${lastLine}` : ''}`, 500));
    });
    worker.send({ type: 'render', plan });
  });
}
