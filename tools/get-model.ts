/** get_model: GET /v1/models/:id. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument, modelOutput, renderSummaryOutput, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { getModel } from '../src/models/model-service.js';

export function registerGetModelTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'get_model',
    title: 'Get a model',
    description: "A model's metadata, its integrity status (processing → valid or invalid, from the free preview render) and all its renders.",
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: { modelId: idArgument('Model id (from ingest_model or list_models)') },
    output: { ...modelOutput, renders: z.array(resultObject(renderSummaryOutput)) },
    run: ({ modelId }, caller) => {
      const model = getModel(session.context, caller.account.id, modelId);
      return { data: model, summary: `Model ${model.id} (${model.title ?? model.originalName}): ${model.status}, ${model.renders.length} render(s).` };
    },
  });
}
