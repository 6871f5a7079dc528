/** `renderbay status`: what a farm's queue holds and which workers beat. */
import { Queue } from 'bullmq';
import { redisClient, type FarmConfig } from './farm-config.js';
import { listWorkers, withTimeout } from './farm-dispatcher.js';
import { PASS_QUEUE, type WorkerInfo } from './farm-protocol.js';

export interface FarmStatus {
  queue: string;
  counts: { waiting: number; active: number; completed: number; failed: number };
  workers: WorkerInfo[];
}

export async function farmStatus(farm: FarmConfig): Promise<FarmStatus> {
  const connection = redisClient(farm.queueUrl, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  const queue = new Queue(PASS_QUEUE, { connection });
  connection.on('error', () => undefined);
  queue.on('error', () => undefined); // reported by the timeout below
  try {
    return await withTimeout(
      (async () => {
        const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed');
        const workers = (await listWorkers(await queue.backend.client)).sort((a, b) => a.id.localeCompare(b.id));
        return {
          queue: farm.queueUrl.replace(/\/\/[^@]*@/, '//'),
          counts: { waiting: counts.waiting ?? 0, active: counts.active ?? 0, completed: counts.completed ?? 0, failed: counts.failed ?? 0 },
          workers,
        };
      })(),
      5000,
      `the farm queue at ${farm.queueUrl.replace(/\/\/[^@]*@/, '//')} did not answer`,
    );
  } finally {
    await queue.close().catch(() => undefined);
    connection.disconnect();
  }
}
