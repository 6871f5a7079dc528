/** quote: POST /v1/quote. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { PRICED_SETTINGS } from '../src/credits/prices.js';
import { quote } from '../src/credits/quote.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { batchArgument, quoteOutput, renderSettingsArgument } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { MAX_BATCH } from '../src/renders/render-service.js';

export function registerQuoteTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'quote',
    title: 'Price renders',
    description:
      `What a list of up to ${MAX_BATCH} renders would cost in credits, and whether your balance covers it. Free; creates nothing. ` +
      `Pass the renderSettings you intend to render with: only the fields that change the price (${PRICED_SETTINGS.join(', ')}) are checked, the rest are ignored. Quote before any large batch.`,
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: { renders: batchArgument(renderSettingsArgument, `1–${MAX_BATCH} render settings objects, one per render`) },
    output: quoteOutput,
    run: ({ renders }, caller) => {
      const result = quote(session.context, caller.account.id, { renders });
      return {
        data: result,
        summary: `${renders.length} render(s): ${result.creditsRequired} credits needed, ${result.creditsAvailable} available — ${result.sufficient ? 'enough' : 'NOT enough'}.`,
      };
    },
  });
}
