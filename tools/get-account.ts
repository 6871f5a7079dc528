/** get_account: GET /v1/account. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { getAccount } from '../src/accounts/accounts.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { accountOutput } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';

export function registerGetAccountTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'get_account',
    title: 'Get account',
    description: 'Your email and credit balance (renders are paid for when queued).',
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {},
    output: accountOutput,
    run: (_args, caller) => {
      const account = getAccount(session.context.db, caller.account.id);
      return { data: { id: account.id, email: account.email, credits: account.credits }, summary: `${account.email}: ${account.credits} credits.` };
    },
  });
}
