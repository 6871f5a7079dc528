/**
 * Many models' readiness in one call (`POST /v1/models/status`): for a client that uploaded
 * a batch and wants to know when all of them can be rendered, without one GET per model.
 * Ids this account does not have (unknown, deleted, another account's) are `notFound`.
 */
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { ModelItem } from './model-service.js';

export interface ModelsStatus {
  /** In the order asked, each id once. `ready`: the model passed its integrity check and can be rendered. */
  models: { modelId: string; status: ModelItem['status']; ready: boolean }[];
  /** Every id was found and is ready. */
  allReady: boolean;
  notFound: string[];
}

export function modelsStatus(context: AppContext, accountId: string, body: unknown): ModelsStatus {
  const modelIds = (body as { modelIds?: unknown } | null)?.modelIds;
  if (!Array.isArray(modelIds) || modelIds.length === 0) throw new RenderbayError('model_ids_required', 'modelIds must be a non-empty array of model ids', 400);
  if (modelIds.length > LIMITS.maxModelStatusIds) {
    throw new RenderbayError('too_many', `At most ${LIMITS.maxModelStatusIds} model ids per call (got ${modelIds.length})`, 400);
  }
  if (modelIds.some((id) => typeof id !== 'string' || id === '')) throw new RenderbayError('invalid_request', 'modelIds must be strings', 400);
  const unique = [...new Set(modelIds as string[])];
  const read = context.db.prepare('SELECT status FROM models WHERE id = ? AND account_id = ? AND deleted_at IS NULL').pluck();
  const models: ModelsStatus['models'] = [];
  const notFound: string[] = [];
  for (const modelId of unique) {
    const status = read.get(modelId, accountId) as ModelItem['status'] | undefined;
    if (status === undefined) notFound.push(modelId);
    else models.push({ modelId, status, ready: status === 'valid' });
  }
  return { models, allReady: notFound.length === 0 && models.every((model) => model.ready), notFound };
}
