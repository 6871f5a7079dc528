/** update_model: PATCH /v1/models/:id. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument, modelOutput } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { updateModel } from '../src/models/model-service.js';

export function registerUpdateModelTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'update_model',
    title: 'Update a model',
    description: "Set a model's title, sku and/or tags. Fields left out keep their value; tags replaces the whole list (≤ 20; lowercased and trimmed); null clears title or sku.",
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    input: {
      modelId: idArgument('Model id'),
      title: z.string().nullable().describe('Display title (≤ 200 characters)').optional(),
      sku: z.string().nullable().describe('Product SKU (≤ 100 characters)').optional(),
      tags: z.array(z.string()).describe('The complete new list of tags').optional(),
    },
    output: modelOutput,
    run: ({ modelId, ...fields }, caller) => {
      // Omitted fields arrive as undefined, which the patch schema reads as "keep".
      const model = updateModel(session.context, caller.account.id, modelId, fields);
      return { data: model, summary: `Updated model ${model.id}: title ${JSON.stringify(model.title)}, sku ${JSON.stringify(model.sku)}, tags [${model.tags.join(', ')}].` };
    },
  });
}
