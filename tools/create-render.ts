/** create_render: POST /v1/renders. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument, renderSettingsArgument, renderStatus } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { confirmSpending } from '../src/mcp/spending-guard.js';
import { createRender } from '../src/renders/render-service.js';

export function registerCreateRenderTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'create_render',
    title: 'Render a model',
    description:
      'Queues one render and pays its credits; returns its id at once. ' +
      'Then wait_for_renders, download_render. For several use create_batch_renders.',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    input: { modelId: idArgument(), renderSettings: renderSettingsArgument.optional() },
    output: { id: z.string(), modelId: z.string(), status: renderStatus, renderSettings: z.record(z.string(), z.unknown()), credits: z.number() },
    run: async ({ modelId, renderSettings }, caller, extra) => {
      await confirmSpending(server, session, extra, caller, [{ renderSettings, label: modelId }]);
      const render = await createRender(session.context, caller.account.id, { modelId, renderSettings });
      return {
        data: { id: render.id, modelId: render.modelId, status: render.status, renderSettings: render.renderSettings, credits: render.credits },
        summary: `Render ${render.id} queued (${render.credits} credit${render.credits === 1 ? '' : 's'}). Wait with wait_for_renders.`,
      };
    },
  });
}
