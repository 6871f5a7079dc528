/** create_batch_renders: POST /v1/renders/batch. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { batchArgument, renderItemArgument, renderStatus, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { confirmSpending } from '../src/mcp/spending-guard.js';
import { createBatch, MAX_BATCH } from '../src/renders/render-service.js';

export function registerCreateBatchRendersTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'create_batch_renders',
    title: 'Render many',
    description:
      `Queues up to ${MAX_BATCH} renders, all or nothing (an error lists every failing item; no_credits creates none). ` +
      'Quote the same items first. Returns an id per item, in order; then wait_for_renders with all ids. Variants differing only in background render once.',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    input: {
      renders: batchArgument(renderItemArgument),
    },
    output: { renders: z.array(resultObject({ id: z.string(), modelId: z.string(), status: renderStatus })) },
    advertiseOutput: false,
    run: async ({ renders }, caller, extra) => {
      await confirmSpending(server, session, extra, caller, renders.map((render) => ({ renderSettings: render.renderSettings, label: render.modelId, modelId: render.modelId })));
      const created = await createBatch(session.context, caller.account.id, { renders });
      return {
        data: { renders: created },
        summary: `${created.length} render(s) queued: ${created.map((render) => (render.materialVariant === undefined ? render.id : `${render.id} (${render.materialVariant})`)).join(', ')}. Wait with wait_for_renders.`,
      };
    },
  });
}
