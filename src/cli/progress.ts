/**
 * Render progress on a terminal: a cli-progress bar of frames (or dataset views) done, on
 * stderr so stdout stays clean for summaries and pipes. Disabled (a no-op) when not on a TTY.
 */
import cliProgress from 'cli-progress';
import type { RenderProgress } from '../render/render-engine.js';

export interface ProgressReporter {
  update(progress: RenderProgress): void;
  stop(): void;
}

const STAGE_LABELS: Record<RenderProgress['stage'], string> = {
  loading: 'loading model',
  preparing: 'preparing scene',
  rendering: 'rendering',
  encoding: 'finishing encode',
};

export function createProgressReporter({ enabled, unit = 'frames' }: { enabled: boolean; unit?: 'frames' | 'views' | 'stills' }): ProgressReporter {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `{bar} {value}/{total} ${unit} | {percentage}% | ETA {eta_formatted} | {stage}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update({ stage, framesDone, framesTotal }) {
      if (!started) {
        bar.start(framesTotal, framesDone, { stage: STAGE_LABELS[stage] });
        started = true;
      }
      bar.update(framesDone, { stage: STAGE_LABELS[stage] });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
