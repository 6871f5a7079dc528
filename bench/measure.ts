/**
 * What the render and dataset benchmarks share: the default model, megabytes for the
 * reports, and one render measured the same way (wall time, when each stage began, peak
 * RSS of the worker tree).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { renderToDirectory, type RenderJob, type RenderProgress } from '../src/render/render-engine.js';
import type { RenderResult } from '../src/render/worker-protocol.js';
import { startPeakRssSampler, type PeakRss } from './process-memory.js';

export const DEFAULT_MODEL = '../shared/assets/models/DamagedHelmet/glTF-Binary/DamagedHelmet.glb';
export const FALLBACK_MODEL = 'fixtures/sample/Suzanne.glb';

/** DamagedHelmet from ../shared, or Suzanne where ../shared is absent (relative to the working directory); logs which. */
export function defaultModel(): string {
  const preferred = path.resolve(process.cwd(), DEFAULT_MODEL);
  if (existsSync(preferred)) {
    console.log(`Model: ${preferred} (DamagedHelmet from ../shared)`);
    return preferred;
  }
  const fallback = path.resolve(process.cwd(), FALLBACK_MODEL);
  console.log(`Model: ${fallback} (fallback: ${preferred} not found — ../shared is absent)`);
  return fallback;
}

/** Bytes as megabytes (10^6) with one decimal. */
export const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export interface MeasuredRender {
  result: RenderResult;
  /** From the call to its result. */
  wallSeconds: number;
  /** Peak RSS of the worker and its descendants, sampled every 50 ms (NaN if the worker never reported its pid). */
  memory: PeakRss;
  /** When each stage began: "rendering @1.2s". */
  stages: string[];
}

/** One renderToDirectory, measured; `onProgress` also gets the seconds since the call. */
export async function renderMeasured(
  job: Omit<RenderJob, 'onWorkerStarted' | 'onProgress'>,
  onProgress?: (progress: RenderProgress, seconds: number) => void,
  /** The engine to measure: this build's, or another build's (a baseline) with the same job shape. */
  engine: typeof renderToDirectory = renderToDirectory,
): Promise<MeasuredRender> {
  let sampler: ReturnType<typeof startPeakRssSampler> | null = null;
  const stages: string[] = [];
  let lastStage = '';
  const started = performance.now();
  let memory: PeakRss | null = null;
  let result: RenderResult;
  try {
    result = await engine({
      ...job,
      onWorkerStarted: (pid) => {
        sampler = startPeakRssSampler(pid, 50);
      },
      onProgress: (progress) => {
        const seconds = (performance.now() - started) / 1000;
        if (progress.stage !== lastStage) {
          lastStage = progress.stage;
          stages.push(`${progress.stage} @${seconds.toFixed(1)}s`);
        }
        onProgress?.(progress, seconds);
      },
    });
  } finally {
    memory = (sampler as ReturnType<typeof startPeakRssSampler> | null)?.stop() ?? null;
  }
  const wallSeconds = (performance.now() - started) / 1000;
  memory ??= { peakBytes: Number.NaN, samples: 0, atPeak: [], peakByName: {}, cpuSeconds: Number.NaN };
  return { result, wallSeconds, memory, stages };
}
