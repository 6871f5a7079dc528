/**
 * Runway image to video (image → MP4).
 *
 * From the public documentation, https://docs.dev.runwayml.com/api/:
 * - `POST /v1/image_to_video` with the header `X-Runway-Version: 2024-11-06`, body
 *   `{ model, promptImage, promptText?, ratio, duration }` where `promptImage` may be a data URI;
 *   answer `{ "id": "<task id>" }`.
 * - `GET /v1/tasks/{id}`: `status` PENDING | THROTTLED | RUNNING | SUCCEEDED | FAILED |
 *   CANCELLED, `progress` 0–1 while running, `output` (an array of URLs) once SUCCEEDED,
 *   `failure` (a message) when FAILED.
 * - Errors: `{ "error": "…" }`; 429 when rate limited. Key: `RUNWAYML_API_SECRET` as
 *   `Authorization: Bearer` (the name Runway's SDKs read).
 */
import path from 'node:path';
import { LIMITS } from '../../limits.js';
import { pollTask, providerDownload, providerFailure, providerJson, type ProviderEndpoint } from '../provider-http.js';
import type { ImageToVideoProvider } from '../provider-types.js';

export const RUNWAY_API_VERSION = '2024-11-06';

interface RunwayTask {
  status?: unknown;
  progress?: unknown;
  output?: unknown;
  failure?: unknown;
}

export function runwayImageToVideo(endpoint: ProviderEndpoint, model = 'gen4_turbo'): ImageToVideoProvider {
  const versioned: ProviderEndpoint = { ...endpoint, headers: { ...endpoint.headers, 'x-runway-version': RUNWAY_API_VERSION } };
  return {
    name: endpoint.name,
    async animateImage(image, prompt, call) {
      const body = {
        model,
        promptImage: `data:${image.contentType};base64,${image.bytes.toString('base64')}`,
        ...(prompt ? { promptText: prompt } : {}),
        ratio: '1280:720',
        duration: 5,
      };
      const created = (await providerJson(versioned, { method: 'POST', path: '/v1/image_to_video', json: body }, call)) as { id?: unknown } | null;
      const taskId = created?.id;
      if (typeof taskId !== 'string' || taskId === '') throw providerFailure(endpoint, 'answered without a task id');
      const task = await pollTask(call, async () => {
        const current = (await providerJson(versioned, { method: 'GET', path: `/v1/tasks/${encodeURIComponent(taskId)}` }, call)) as RunwayTask | null;
        if (typeof current?.progress === 'number') call.onProgress?.(Math.min(1, Math.max(0, current.progress)));
        return current?.status === 'SUCCEEDED' || current?.status === 'FAILED' || current?.status === 'CANCELLED' ? current : undefined;
      });
      if (task.status !== 'SUCCEEDED') {
        throw providerFailure(endpoint, `task ${taskId} ${String(task.status).toLowerCase()}: ${typeof task.failure === 'string' && task.failure !== '' ? task.failure : 'no reason given'}`);
      }
      const url = Array.isArray(task.output) ? task.output[0] : undefined;
      const file = path.join(call.workDirectory, 'generated.mp4');
      await providerDownload(endpoint, url, call, { maxBytes: LIMITS.maxGeneratedVideoBytes, file });
      return file;
    },
  };
}
