/**
 * What crosses Redis between the control plane and the workers of a render farm. BullMQ
 * carries the passes (one job per render pass), their progress and their results; two
 * small key families beside its own carry what BullMQ does not: a pass to stop (a
 * deleted render) and the workers' heartbeats for `renderbay status`.
 *
 * Everything is plain JSON: settings as the one settings schema wrote them, files as
 * SHA-256 keys into the shared object store.
 */
import type { OverlayImage } from '../render/render-plan.js';
import type { RenderResult, RenderStage } from '../render/worker-protocol.js';
import type { RenderSettings } from '../settings/render-settings.js';

export const PASS_QUEUE = 'renderbay-passes';
const KEY_PREFIX = 'renderbay:farm';

/** A pass on the queue: what a worker needs to render it, files as store keys. */
export interface PassData {
  /** The first render of the pass (for status lines and logs). */
  passId: string;
  settings: RenderSettings;
  variantSettings?: RenderSettings[];
  modelKey: string;
  overlays: Record<string, { key: string; alignment: OverlayImage['alignment'] }>;
  environments: Record<string, string>;
}

/** A worker's progress report (job.updateProgress). */
export type PassProgress =
  | { type: 'progress'; stage: RenderStage; framesDone: number; framesTotal: number }
  | { type: 'poster'; variant: number; files: Record<'poster' | 'posterThumb', StoredOutput> };

export interface StoredOutput {
  key: string;
  size: number;
  /** Where the file was under the worker's output folder (the control plane puts it at the same place under its own). */
  name: string;
}

/**
 * A finished pass: the renderer's result with every output file path replaced by
 * `farm:<name>`, and those names' objects in the store.
 */
export interface PassResult {
  result: RenderResult;
  outputs: Record<string, StoredOutput>;
}

export const OUTPUT_REFERENCE = 'farm:';

/** Set by the control plane when nobody wants a pass any more; workers look every second. */
export const cancelKey = (jobId: string) => `${KEY_PREFIX}:cancel:${jobId}`;

/** A worker's heartbeat (JSON WorkerInfo), expiring when it stops beating. */
export const workerKey = (workerId: string) => `${KEY_PREFIX}:worker:${workerId}`;
export const WORKER_KEY_PATTERN = `${KEY_PREFIX}:worker:*`;

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** The passes it renders now (their first render ids). */
  passes: string[];
  startedAt: string;
  lastSeen: string;
}

/** A render failure crossing BullMQ (failedReason is a string): the error's JSON after this marker. */
export const ERROR_MARKER = 'renderbay-error:';
