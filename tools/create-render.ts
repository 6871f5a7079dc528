/** create_render: POST /v1/renders. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument, renderSettingsArgument, renderStatus } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { createRender } from '../src/renders/render-service.js';

export function registerCreateRenderTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'create_render',
    title: 'Render a model',
    description:
      'Queue one render of a model (a turntable video with web variant, thumbnail and posters, or a dataset) and pay its credits. ' +
      'Returns at once with the render id in status "pending": then call get_render with waitSeconds until status is "done", and download_render for the files. ' +
      'For several renders use create_batch_renders; check the cost first with quote.',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    input: { modelId: idArgument('Model id (from ingest_model or list_models)'), renderSettings: renderSettingsArgument.optional() },
    output: { id: z.string(), modelId: z.string(), status: renderStatus, renderSettings: z.record(z.string(), z.unknown()), credits: z.number() },
    run: async ({ modelId, renderSettings }, caller) => {
      const render = await createRender(session.context, caller.account.id, { modelId, renderSettings });
      return {
        data: { id: render.id, modelId: render.modelId, status: render.status, renderSettings: render.renderSettings, credits: render.credits },
        summary: `Render ${render.id} queued (${render.credits} credit${render.credits === 1 ? '' : 's'}). Poll get_render with waitSeconds until it is done.`,
      };
    },
  });
}
