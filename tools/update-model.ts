/** update_model: PATCH /v1/models/:id. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { updateModel } from '../src/models/model-service.js';

export function registerUpdateModelTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'update_model',
    title: 'Update a model',
    description: "Set a model's title, sku, tags; omitted fields stay, null clears, tags replaces the list.",
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    input: {
      modelId: idArgument(),
      title: z.string().nullable().optional(),
      sku: z.string().nullable().optional(),
      tags: z.array(z.string()).optional(),
    },
    output: { id: z.string(), title: z.string().nullable(), sku: z.string().nullable(), tags: z.array(z.string()) },
    advertiseOutput: false,
    run: ({ modelId, ...fields }, caller) => {
      // Omitted fields arrive as undefined, which the patch schema reads as "keep".
      const model = updateModel(session.context, caller.account.id, modelId, fields);
      return { data: model, summary: `Updated model ${model.id}: title ${JSON.stringify(model.title)}, sku ${JSON.stringify(model.sku)}, tags [${model.tags.join(', ')}].` };
    },
  });
}
