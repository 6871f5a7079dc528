/** create_template: POST /v1/templates. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import type { McpSession } from '../src/mcp/session.js';
import { createTemplate } from '../src/templates/template-service.js';
import { templateOutput } from './list-templates.js';

export function registerCreateTemplateTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'create_template',
    title: 'Create a template',
    description: 'Saves a template. settings: look fields only (no output, quality, stills); bookmarks: stills entries; shots: [{name, effect, …}].',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    input: {
      name: z.string(),
      description: z.string().optional(),
      settings: z.record(z.string(), z.unknown()).optional(),
      bookmarks: z.array(z.unknown()).optional(),
      shots: z.array(z.unknown()).optional(),
    },
    output: templateOutput,
    run: (args, caller) => {
      const template = createTemplate(session.context, caller.account.id, args);
      return { data: template, summary: `Template ${template.id} "${template.name}" saved: use renderSettings.templateId "${template.id}".` };
    },
  });
}
