/** list_renders: GET /v1/renders with filters, as compact rows. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { compactRenderOutput, pageMetaOutput, pagingArguments } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { ACTIVE_FILTER, listCompactRenders } from '../src/renders/render-list.js';
import { RENDER_STATUSES } from '../src/renders/render-service.js';
import { ASPECTS, OUTPUTS } from '../src/settings/render-settings.js';

export function registerListRendersTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'list_renders',
    title: 'List renders',
    description:
      'Your renders, newest first, as compact rows (status, stage, progress, errorCode, tier). ' +
      `Filters combine; a list matches any value; status "${ACTIVE_FILTER}" = not finished; tags are the model's.`,
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {
      status: z.array(z.enum([...RENDER_STATUSES, ACTIVE_FILTER])).optional(),
      modelIds: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
      quality: z.string().describe('Or a dataset tier').optional(),
      aspect: z.enum(ASPECTS).optional(),
      output: z.enum(OUTPUTS).optional(),
      createdAfter: z.string().optional(),
      ...pagingArguments,
    },
    output: { renders: z.array(compactRenderOutput), meta: pageMetaOutput },
    advertiseOutput: false,
    run: (args, caller) => {
      const page = listCompactRenders(session.context, caller.account.id, args);
      const counts = new Map<string, number>();
      for (const render of page.data) counts.set(render.status, (counts.get(render.status) ?? 0) + 1);
      return {
        data: { renders: page.data, meta: page.meta },
        summary: `${page.data.length} of ${page.meta.total} render(s)${counts.size ? `: ${[...counts].map(([status, count]) => `${count} ${status}`).join(', ')}` : ''}.`,
      };
    },
  });
}
