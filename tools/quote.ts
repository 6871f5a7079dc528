/** quote: POST /v1/quote, plus per-item model checks when items name their model. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { quote } from '../src/credits/quote.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { batchArgument, quoteOutput, renderItemArgument, sameSettingsAs } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { MAX_BATCH } from '../src/renders/render-service.js';

export function registerQuoteTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'quote',
    title: 'Price renders',
    description:
      `What up to ${MAX_BATCH} renders would cost, and whether your credits cover it. Free. ` +
      'Items: render settings, or the { modelId, renderSettings } items for create_batch_renders (problems then lists missing or invalid models). ' +
      'quality, output and datasetQuality set the price.',
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {
      renders: batchArgument(z.union([renderItemArgument, sameSettingsAs('Or the renderSettings alone')])),
    },
    output: quoteOutput,
    run: async ({ renders }, caller) => {
      const result = await quote(session.context, caller.account.id, { renders });
      const problems = result.problems?.map((problem) => `renders[${problem.index}] ${problem.code}`).join(', ');
      return {
        data: result,
        summary:
          `${renders.length} render(s): ${result.creditsRequired} credits needed, ${result.creditsAvailable} available — ${result.sufficient ? 'enough' : 'NOT enough'}.` +
          (problems ? ` Would be refused: ${problems}.` : ''),
      };
    },
  });
}
