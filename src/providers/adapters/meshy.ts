/**
 * Meshy Image to 3D (image → GLB).
 *
 * From the public documentation, https://docs.meshy.ai/api/image-to-3d:
 * - `POST /openapi/v1/image-to-3d` `{ image_url, … }` where `image_url` may be a data URI
 *   (`data:image/png;base64,…`); answer `{ "result": "<task id>" }`.
 * - `GET /openapi/v1/image-to-3d/{id}`: the task object, `status` PENDING | IN_PROGRESS |
 *   SUCCEEDED | FAILED | CANCELED, `progress` 0–100, `model_urls.glb` once SUCCEEDED,
 *   `task_error.message` when it failed.
 * - Errors (https://docs.meshy.ai/api/errors): HTTP 4xx/5xx with `{ "message": "…" }`; 429 when
 *   rate limited. Key: `MESHY_API_KEY` as `Authorization: Bearer`.
 */
import path from 'node:path';
import { LIMITS } from '../../limits.js';
import { pollTask, providerDownload, providerFailure, providerJson, type ProviderEndpoint } from '../provider-http.js';
import type { ImageToModelProvider } from '../provider-types.js';

interface MeshyTask {
  status?: unknown;
  progress?: unknown;
  model_urls?: { glb?: unknown };
  task_error?: { message?: unknown };
}

export function meshyImageToModel(endpoint: ProviderEndpoint): ImageToModelProvider {
  return {
    name: endpoint.name,
    async generateModel(image, call) {
      const created = (await providerJson(
        endpoint,
        { method: 'POST', path: '/openapi/v1/image-to-3d', json: { image_url: `data:${image.contentType};base64,${image.bytes.toString('base64')}`, enable_pbr: true } },
        call,
      )) as { result?: unknown } | null;
      const taskId = created?.result;
      if (typeof taskId !== 'string' || taskId === '') throw providerFailure(endpoint, 'answered without a task id (result)');
      const task = await pollTask(call, async () => {
        const current = (await providerJson(endpoint, { method: 'GET', path: `/openapi/v1/image-to-3d/${encodeURIComponent(taskId)}` }, call)) as MeshyTask | null;
        if (typeof current?.progress === 'number') call.onProgress?.(Math.min(1, Math.max(0, current.progress / 100)));
        return current?.status === 'SUCCEEDED' || current?.status === 'FAILED' || current?.status === 'CANCELED' ? current : undefined;
      });
      if (task.status !== 'SUCCEEDED') {
        const reason = typeof task.task_error?.message === 'string' && task.task_error.message !== '' ? task.task_error.message : 'no reason given';
        throw providerFailure(endpoint, `task ${taskId} ${String(task.status).toLowerCase()}: ${reason}`);
      }
      const file = path.join(call.workDirectory, 'generated.glb');
      await providerDownload(endpoint, task.model_urls?.glb, call, { maxBytes: LIMITS.maxModelBytes, file });
      return file;
    },
  };
}
