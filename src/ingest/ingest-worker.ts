/**
 * Runs the heavy ingest steps — preparing an upload, exporting a USDZ — in a worker
 * thread, so converting, validating or exporting a large model never blocks the API's
 * event loop, and a model that needs too much memory ends its thread (heap limit), not
 * the server. One task at a time per thread; a thread that answered is kept a short while
 * for the next task (see takeWorker), one that failed is ended.
 *
 * ```ts
 * const result = await ingestInWorker(uploadPath, { workDirectory, format });
 * const { warnings } = await exportUsdzInWorker(modelPath, usdzPath);
 * ```
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { isGlb } from '../../renderer/load/glb-container.js';
import { deserializeError, RenderbayError, serializeError, type SerializedError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { IngestOptions, IngestResult } from './ingest-model.js';

type Task =
  | { task: 'ingest'; file: string; options: IngestOptions }
  | { task: 'usdz'; modelPath: string; outputPath: string };

type Reply<T> = { ok: true; result: T } | { ok: false; error: SerializedError };

export interface WorkerLimits {
  timeoutMs: number;
  heapMb: number;
  /** How long a thread that answered waits for the next task. */
  idleMs: number;
}

export const DEFAULTS: Readonly<WorkerLimits> = { timeoutMs: LIMITS.ingestTimeoutMs, heapMb: LIMITS.ingestWorkerHeapMb, idleMs: LIMITS.ingestWorkerIdleMs };

export function ingestInWorker(file: string, options: IngestOptions, limits: Partial<WorkerLimits> = {}): Promise<IngestResult> {
  return runInWorker<IngestResult>({ task: 'ingest', file, options }, limits);
}

/** Writes the USDZ of a stored model (GLB or self-contained glTF) to `outputPath`. */
export function exportUsdzInWorker(modelPath: string, outputPath: string, limits: Partial<WorkerLimits> = {}): Promise<{ warnings: string[]; bytes: number }> {
  return runInWorker({ task: 'usdz', modelPath, outputPath }, limits);
}

/**
 * A worker thread that has answered its task stays for the next one (up to `MAX_IDLE_WORKERS`,
 * each for `idleMs`): starting a thread means loading glTF-Transform,
 * sharp and the validator again, which costs far more than most ingests. A thread that
 * timed out, ran out of memory, hit a bug or died is never reused.
 */
const MAX_IDLE_WORKERS = 2;
interface IdleWorker {
  worker: Worker;
  heapMb: number;
  /** Ends the thread when it has waited `idleMs`, or dies meanwhile. */
  timer: NodeJS.Timeout;
  retire: () => void;
}
const idleWorkers: IdleWorker[] = [];

function takeWorker(heapMb: number): Worker {
  const index = idleWorkers.findIndex((idle) => idle.heapMb === heapMb);
  if (index < 0) {
    return new Worker(new URL(import.meta.url), { workerData: { renderbayIngestWorker: true }, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
  }
  const [idle] = idleWorkers.splice(index, 1);
  clearTimeout(idle.timer);
  idle.worker.off('error', idle.retire).off('exit', idle.retire);
  idle.worker.ref();
  return idle.worker;
}

/** Ends a thread. An error it still reports on its way out is of no interest, and must not go unheard: that would end the process. */
function end(worker: Worker): void {
  worker.on('error', () => undefined);
  void worker.terminate();
}

function keepIdle(worker: Worker, heapMb: number, idleMs: number): void {
  if (idleWorkers.length >= MAX_IDLE_WORKERS) {
    end(worker);
    return;
  }
  const retire = () => {
    clearTimeout(idle.timer);
    const at = idleWorkers.indexOf(idle);
    if (at >= 0) idleWorkers.splice(at, 1);
    end(worker);
  };
  const idle: IdleWorker = { worker, heapMb, retire, timer: setTimeout(retire, idleMs).unref() };
  worker.once('error', retire).once('exit', retire); // died while idle: forgotten
  worker.unref(); // an idle thread never keeps the process alive
  idleWorkers.push(idle);
}

function runInWorker<T>(task: Task, limits: Partial<WorkerLimits>): Promise<T> {
  const { timeoutMs, heapMb, idleMs } = { ...DEFAULTS, ...limits };
  return new Promise((resolve, reject) => {
    const worker = takeWorker(heapMb);
    let settled = false;
    const settle = (outcome: () => void, reusable = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      outcome();
      if (reusable) keepIdle(worker, heapMb, idleMs);
      else end(worker);
    };
    const timer = setTimeout(
      () => settle(() => reject(new RenderbayError('timeout', `Preparing the model took longer than ${Math.round(timeoutMs / 1000)} s; try a smaller or simpler model`, 408))),
      timeoutMs,
    );
    const onMessage = (reply: Reply<T>) =>
      settle(
        () => {
          if (reply.ok) resolve(reply.result);
          // A bug, not the user's fault: a plain Error, so the API logs it and answers a generic `internal`.
          else reject(reply.error.code === 'internal' ? new Error(`${task.task}: ${reply.error.message}`) : deserializeError(reply.error));
        },
        reply.ok || reply.error.code !== 'internal',
      );
    const onError = (error: Error & { code?: string }) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new RenderbayError('file_too_large', `The model needs more than ${heapMb} MB of memory to prepare; try a smaller or simpler model`)
            : error,
        ),
      );
    const onExit = (code: number) => settle(() => reject(new Error(`the ${task.task} worker exited with code ${code} before answering`)));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(task);
  });
}

/**
 * Runs in the worker thread. The pipeline (sharp, glTF-Transform, the validator) is
 * imported here, not at the top: every process that creates models loads this module,
 * and `renderbay mcp` must answer its first request in well under a second.
 */
async function runTask(task: Task): Promise<unknown> {
  if (task.task === 'ingest') {
    const { ingestModelFile } = await import('./ingest-model.js');
    return ingestModelFile(task.file, task.options);
  }
  const [{ readGltfSource }, { normaliseGltf }, { exportUsdz }] = await Promise.all([
    import('./read-gltf-source.js'),
    import('./normalise-gltf.js'),
    import('./usdz-export.js'),
  ]);
  const bytes = new Uint8Array(await readFile(task.modelPath));
  const { document } = await readGltfSource(isGlb(bytes) ? { kind: 'glb', bytes } : { kind: 'gltf', bytes, files: new Map() });
  await normaliseGltf(document, { sourceIsGlb: true }); // models stored before ingest normalised them
  const { usdz, warnings } = await exportUsdz(document);
  await writeFile(task.outputPath, usdz);
  return { warnings, bytes: usdz.byteLength };
}

if (!isMainThread && parentPort && (workerData as { renderbayIngestWorker?: boolean } | null)?.renderbayIngestWorker) {
  const port = parentPort;
  port.on('message', (task: Task) =>
    runTask(task).then(
      (result) => port.postMessage({ ok: true, result }),
      (error: unknown) => port.postMessage({ ok: false, error: error instanceof RenderbayError ? error.toJSON() : serializeError(error) }),
    ),
  );
}
