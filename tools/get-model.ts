/** get_model: GET /v1/models/:id, its renders as compact rows. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { compactRenderOutput, idArgument, modelOutput } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { getModel } from '../src/models/model-service.js';
import { listCompactRenders } from '../src/renders/render-list.js';
import { LIST_MAX_LIMIT } from '../src/paging.js';

export function registerGetModelTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'get_model',
    title: 'Get a model',
    description: "A model: metadata, status (processing → valid/invalid after its free preview render), ingest facts and warnings, and its renders as compact rows.",
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: { modelId: idArgument() },
    output: { id: z.string(), status: modelOutput.status, tags: modelOutput.tags, renders: z.array(compactRenderOutput) },
    run: async ({ modelId }, caller) => {
      const model = await getModel(session.context, caller.account.id, modelId);
      const renders = listCompactRenders(session.context, caller.account.id, { modelId: model.id, limit: LIST_MAX_LIMIT });
      return {
        data: { ...model, renders: renders.data, rendersTotal: renders.meta.total },
        summary:
          `Model ${model.id} (${model.title ?? model.originalName}): ${model.status}, ${renders.meta.total} render(s).` +
          (model.variants.length > 0 ? ` Material variants: ${model.variants.join(', ')}.` : ''),
      };
    },
  });
}
