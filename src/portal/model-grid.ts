/**
 * The portal's model grid in one call: a page of `listModels` (tags, search, archived) with,
 * for each model, its system preview render — whose poster and thumb the grid shows, and
 * whose status the live stream updates. One extra query for the whole page.
 */
import type { AppContext } from '../context.js';
import { listModels, type ModelItem } from '../models/model-service.js';
import type { Page } from '../paging.js';
import type { RenderStatus } from '../renders/render-service.js';

export interface GridModel extends ModelItem {
  /** The newest system preview render: its poster is the model's picture. */
  preview: { renderId: string; status: RenderStatus; progress: number } | null;
}

export function modelGrid(context: AppContext, accountId: string, query: Record<string, unknown>): Page<GridModel> {
  const page = listModels(context, accountId, query);
  const ids = page.data.map((model) => model.id);
  const previews = new Map<string, GridModel['preview']>();
  if (ids.length > 0) {
    const rows = context.db
      .prepare(
        `SELECT id, model_id, status, progress FROM renders WHERE is_system_preview = 1 AND model_id IN (SELECT value FROM json_each(?))
         ORDER BY created_at ASC`,
      )
      .all(JSON.stringify(ids)) as { id: string; model_id: string; status: RenderStatus; progress: number }[];
    for (const row of rows) previews.set(row.model_id, { renderId: row.id, status: row.status, progress: row.progress }); // the newest wins
  }
  return { data: page.data.map((model) => ({ ...model, preview: previews.get(model.id) ?? null })), meta: page.meta };
}
