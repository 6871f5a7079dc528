/** list_models: GET /v1/models. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { modelOutput, pageMetaOutput, pagingArguments, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { listModels } from '../src/models/model-service.js';

export function registerListModelsTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'list_models',
    title: 'List models',
    description: 'Your models, newest first; tags matches any. Archived ones only with archived: true. meta.total counts all.',
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {
      tags: z.array(z.string()).optional(),
      archived: z.boolean().optional(),
      ...pagingArguments,
    },
    output: { models: z.array(resultObject(modelOutput)), meta: pageMetaOutput },
    advertiseOutput: false,
    run: ({ tags, archived, limit, offset }, caller) => {
      const page = listModels(session.context, caller.account.id, { tags: tags?.join(','), archived, limit, offset });
      return {
        data: { models: page.data, meta: page.meta },
        summary: `${page.data.length} of ${page.meta.total} model(s)${tags?.length ? ` tagged ${tags.join(' or ')}` : ''}.`,
      };
    },
  });
}
