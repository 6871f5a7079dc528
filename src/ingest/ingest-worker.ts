/**
 * Runs the heavy ingest steps — preparing an upload, exporting a USDZ — in a worker
 * thread, so converting, validating or exporting a large model never blocks the API's
 * event loop, and a model that needs too much memory ends its thread (heap limit), not
 * the server. One thread per task; it is gone when the task is.
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
}

export const DEFAULTS: Readonly<WorkerLimits> = { timeoutMs: LIMITS.ingestTimeoutMs, heapMb: LIMITS.ingestWorkerHeapMb };

export function ingestInWorker(file: string, options: IngestOptions, limits: Partial<WorkerLimits> = {}): Promise<IngestResult> {
  return runInWorker<IngestResult>({ task: 'ingest', file, options }, limits);
}

/** Writes the USDZ of a stored model (GLB or self-contained glTF) to `outputPath`. */
export function exportUsdzInWorker(modelPath: string, outputPath: string, limits: Partial<WorkerLimits> = {}): Promise<{ warnings: string[]; bytes: number }> {
  return runInWorker({ task: 'usdz', modelPath, outputPath }, limits);
}

function runInWorker<T>(task: Task, limits: Partial<WorkerLimits>): Promise<T> {
  const { timeoutMs, heapMb } = { ...DEFAULTS, ...limits };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: task, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const timer = setTimeout(
      () => settle(() => reject(new RenderbayError('timeout', `Preparing the model took longer than ${Math.round(timeoutMs / 1000)} s; try a smaller or simpler model`, 408))),
      timeoutMs,
    );
    worker.once('message', (reply: Reply<T>) =>
      settle(() => {
        if (reply.ok) resolve(reply.result);
        // A bug, not the user's fault: a plain Error, so the API logs it and answers a generic `internal`.
        else reject(reply.error.code === 'internal' ? new Error(`${task.task}: ${reply.error.message}`) : deserializeError(reply.error));
      }),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new RenderbayError('file_too_large', `The model needs more than ${heapMb} MB of memory to prepare; try a smaller or simpler model`)
            : error,
        ),
      ),
    );
    worker.once('exit', (code) => settle(() => reject(new Error(`the ${task.task} worker exited with code ${code} before answering`))));
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

if (!isMainThread && parentPort && (workerData as Task | null)?.task) {
  const port = parentPort;
  runTask(workerData as Task).then(
    (result) => port.postMessage({ ok: true, result }),
    (error: unknown) => port.postMessage({ ok: false, error: error instanceof RenderbayError ? error.toJSON() : serializeError(error) }),
  );
}
