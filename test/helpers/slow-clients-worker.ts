/**
 * The worker thread behind `startSlowClients`: runs the slow clients in its own event loop,
 * posts how many are open every 10 ms, and on `{ type: 'stop', waitMs }` stops them and posts
 * their reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSlowClients, type SlowClientOptions, type SlowClientsWorkerMessage } from './slow-clients.js';

const port = parentPort;
if (!port) throw new Error('slow-clients-worker runs as a worker thread');
const loop = runSlowClients(workerData as SlowClientOptions);
const post = (message: SlowClientsWorkerMessage) => port.postMessage(message);
const ticker = setInterval(() => post({ type: 'open', open: loop.open() }), 10);

port.on('message', async (message: { type: 'stop'; waitMs: number }) => {
  if (message.type !== 'stop') return;
  const reports = await loop.stop(message.waitMs);
  clearInterval(ticker);
  post({ type: 'open', open: loop.open() });
  post({ type: 'stopped', reports });
});
