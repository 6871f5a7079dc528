/** list_overlays: GET /v1/overlays. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { overlayOutput, resultObject } from '../src/mcp/schemas.js';
import { listOverlays } from '../src/overlays/overlay-service.js';
import type { McpSession } from '../src/mcp/session.js';

export function registerListOverlaysTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'list_overlays',
    title: 'List overlays',
    description: 'Your overlay images and the system ones: ids for renderSettings.bgImageId (background) and foregroundIds.',
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {},
    output: { overlays: z.array(resultObject(overlayOutput)) },
    advertiseOutput: false,
    run: async (_args, caller) => {
      const overlays = listOverlays(session.context, caller.account.id);
      return { data: { overlays }, summary: `${overlays.length} overlay(s).` };
    },
  });
}
