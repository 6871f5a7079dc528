/**
 * Renderer worker process entry point. Receives one render plan over IPC, renders it (a
 * video, or a training dataset, as the plan says), reports progress, sends the result or
 * a structured error, and exits. Started by the engine (src/render/render-engine.ts)
 * with DISPLAY set; never started by hand.
 */
import { serializeError } from '../src/errors.js';
import { lowerOwnPriority } from './lower-priority.js';
import type { EngineToWorker, WorkerToEngine } from '../src/render/worker-protocol.js';
import { renderDataset } from './dataset/render-dataset.js';
import { renderVideo } from './render-video.js';
import { renderStills } from './stills/render-stills.js';

function send(message: WorkerToEngine): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

lowerOwnPriority();

process.once('message', async (message: EngineToWorker) => {
  if (message?.type !== 'render') return;
  try {
    const render = { video: renderVideo, dataset: renderDataset, stills: renderStills }[message.plan.output];
    const result = await render(
      message.plan,
      (stage, framesDone, framesTotal) => void send({ type: 'progress', stage, framesDone, framesTotal }),
      (files, variant) => void send({ type: 'poster', files, variant }),
    );
    await send({ type: 'done', result });
    process.exit(0);
  } catch (error) {
    await send({ type: 'error', error: serializeError(error) });
    process.exit(1);
  }
});

process.on('disconnect', () => process.exit(2)); // the engine went away: stop rendering
