/** list_templates: GET /v1/templates. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { pageMetaOutput, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { LIST_MAX_LIMIT } from '../src/paging.js';
import { listTemplates } from '../src/templates/template-service.js';

export const templateOutput = { id: z.string(), name: z.string(), public: z.boolean() };

export function registerListTemplatesTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'list_templates',
    title: 'List templates',
    description: 'Ids for renderSettings.templateId: built-in (public) and yours; each a look, bookmarks (stills) and shots (videos).',
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {},
    output: { templates: z.array(resultObject(templateOutput)), meta: pageMetaOutput },
    run: (_args, caller) => {
      const page = listTemplates(session.context, caller.account.id, { limit: LIST_MAX_LIMIT });
      return {
        data: { templates: page.data, meta: page.meta },
        summary: `${page.data.length} of ${page.meta.total} template(s): ${page.data.map((template) => template.id).join(', ')}.`,
      };
    },
  });
}
