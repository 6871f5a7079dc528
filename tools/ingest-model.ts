/** ingest_model: models from URLs (or, over stdio, a local file) → the same path as POST /v1/models/ingest and uploads. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RenderbayError } from '../src/errors.js';
import { LIMITS } from '../src/limits.js';
import { copyLocalFile } from '../src/mcp/local-file.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { localPathArgument, modelOutput, resultObject, sameSettingsAs } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { confirmSpending } from '../src/mcp/spending-guard.js';
import { errorEnvelope } from '../src/errors.js';
import { importFetchedModel, importModelFromUrl } from '../src/models/model-import.js';
import { findModelRow, toModelItem, updateModel, type CreatedModel, type ModelItem } from '../src/models/model-service.js';
import type { AppContext } from '../src/context.js';

export function registerIngestModelTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'ingest_model',
    title: 'Import 3D models',
    description:
      `Import GLB/glTF models (≤ ${LIMITS.maxModelBytes / (1024 * 1024)} MB) from http(s) URLs: url, or urls (≤ ${LIMITS.mcpMaxItems}) in one call${stdio ? ', or a local path' : ''}. ` +
      'tags are added to the model\'s; title/sku only with one. A new model gets a free preview render (renderId); the same file again is the same model (duplicate).',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    input: {
      url: z.string().optional(),
      urls: z.array(z.string()).meta({ maxItems: LIMITS.mcpMaxItems }).describe('Each imported on its own; failures listed').optional(),
      title: z.string().nullable().optional(),
      sku: z.string().nullable().optional(),
      tags: z.array(z.string()).optional(),
      renderSettings: sameSettingsAs('As in create_render: also queues that render').optional(),
    },
    localInput: { path: localPathArgument.optional() },
    output: {
      modelId: z.string().optional(),
      renderId: z.string().optional(),
      duplicate: z.boolean().optional(),
      model: resultObject(modelOutput).optional(),
      imported: z.array(resultObject({ url: z.string(), modelId: z.string(), renderId: z.string(), duplicate: z.boolean() })).optional(),
      failed: z.array(resultObject({ url: z.string(), code: z.string(), message: z.string() })).optional(),
    },
    run: async (args, caller, extra) => {
      const { url, urls, path, title, sku, tags, renderSettings } = args as typeof args & { path?: string };
      const { context } = session;
      const accountId = caller.account.id;
      const sources = [url, urls, path].filter((source) => source !== undefined).length;
      // None at all falls through to the URL import, which answers url_required like REST.
      if (sources > 1) throw new RenderbayError('invalid_request', `Give one of url, urls${stdio ? ', path' : ''}`, 400);
      if (path !== undefined && !stdio) {
        throw new RenderbayError('path_not_allowed', 'path is only available to a local (stdio) client: the server cannot read your disk. Use url', 400);
      }
      if (urls !== undefined) {
        if (urls.length === 0 || urls.length > LIMITS.mcpMaxItems) throw new RenderbayError('invalid_request', `urls takes 1 to ${LIMITS.mcpMaxItems} URLs`, 400);
        if (title !== undefined || sku !== undefined) throw new RenderbayError('invalid_request', 'title and sku apply to one model: give them with url, or set them later with update_model', 400);
        if (renderSettings !== undefined) await confirmSpending(server, session, extra, caller, urls.map((each) => ({ renderSettings, label: each })));
        const imported: { url: string; modelId: string; renderId: string; duplicate: boolean }[] = [];
        const failed: { url: string; code: string; message: string }[] = [];
        for (const each of urls) {
          try {
            const created = await importModelFromUrl(context, accountId, each, renderSettings);
            addTags(context, accountId, created, tags);
            imported.push({ url: each, ...created });
          } catch (error) {
            const { code, message } = errorEnvelope(error, session.log);
            failed.push({ url: each, code, message });
          }
        }
        return {
          data: { imported, failed },
          summary: `Imported ${imported.length} of ${urls.length} model(s)${tags?.length ? ` tagged ${tags.join(', ')}` : ''}${failed.length ? `; ${failed.length} failed` : ''}. Preview renders: ${imported.map((each) => each.renderId).join(', ')}.`,
        };
      }
      if (renderSettings !== undefined) await confirmSpending(server, session, extra, caller, [{ renderSettings, label: url ?? path ?? '' }]);
      const created =
        path === undefined
          ? await importModelFromUrl(context, accountId, url, renderSettings)
          : await importFetchedModel(context, accountId, renderSettings, async () => {
              const file = await copyLocalFile(session, path, LIMITS.maxModelBytes, 'use url');
              return { path: file.path, sha256: file.sha256, size: file.bytes, originalName: file.filename };
            });
      const patch = Object.fromEntries(Object.entries({ title, sku }).filter(([, value]) => value !== undefined));
      if (Object.keys(patch).length > 0) updateModel(context, accountId, created.modelId, patch);
      const model = addTags(context, accountId, created, tags);
      return {
        data: { ...created, model },
        summary: `${created.duplicate ? 'Already imported' : 'Imported'} ${model.originalName} as model ${created.modelId}; render ${created.renderId}.`,
      };
    },
  });
}

/** Adds tags to what the model has (a re-imported file keeps its tags); returns the model. */
function addTags(context: AppContext, accountId: string, created: CreatedModel, tags: string[] | undefined): ModelItem {
  const model = toModelItem(findModelRow(context, accountId, created.modelId));
  if (!tags?.length) return model;
  return updateModel(context, accountId, created.modelId, { tags: [...new Set([...model.tags, ...tags.map((tag) => tag.trim().toLowerCase())])] });
}
