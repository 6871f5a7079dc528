/** create_batch_renders: POST /v1/renders/batch. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { batchArgument, idArgument, renderSettingsArgument, renderStatus, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { createBatch, MAX_BATCH } from '../src/renders/render-service.js';

export function registerCreateBatchRendersTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'create_batch_renders',
    title: 'Render many',
    description:
      `Queue up to ${MAX_BATCH} renders in one call, all or nothing: every item is checked first and the credits are debited together (no_credits creates none). ` +
      'Quote the same list first for large batches. Returns at once with one id per item, in order; poll each with get_render (waitSeconds) and fetch files with download_render. ' +
      'Renders of one model are grouped so shared work is done once.',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    input: {
      renders: batchArgument(
        z.strictObject({ modelId: idArgument('Model id'), renderSettings: renderSettingsArgument.optional() }),
        `1–${MAX_BATCH} renders: { modelId, renderSettings }`,
      ),
    },
    output: { renders: z.array(resultObject({ id: z.string(), modelId: z.string(), status: renderStatus })) },
    run: async ({ renders }, caller) => {
      const created = await createBatch(session.context, caller.account.id, { renders });
      return { data: { renders: created }, summary: `${created.length} render(s) queued: ${created.map((render) => render.id).join(', ')}. Poll get_render with waitSeconds.` };
    },
  });
}
