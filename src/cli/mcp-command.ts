/**
 * `renderbay mcp`: MCP over stdio for AI agents (Claude Desktop, Cursor, Windsurf, VS Code).
 * No key: it acts as the local account. See src/mcp/stdio-server.ts.
 */
import { Command } from 'commander';

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('Speak MCP over stdio for an AI agent on this machine (acts as the local account; renders in this process)')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA, default ~/.renderbay)', undefined)
    .option('--concurrency <renders>', 'renders at once (RENDERBAY_CONCURRENCY, default cores/2)', undefined)
    .option('--allow-private-urls', 'allow URL ingest from loopback and private networks (RENDERBAY_ALLOW_PRIVATE_URLS=1)')
    .option('--initial-credits <n>', 'credits the local account gets when first created (RENDERBAY_INITIAL_CREDITS, default 100)', undefined)
    .action(async (options: { data?: string; concurrency?: string; allowPrivateUrls?: boolean; initialCredits?: string }) => {
      // Imported when used, so that `renderbay mcp` answers its client quickly.
      const { runStdioServer } = await import('../mcp/stdio-server.js');
      await runStdioServer({
        dataDirectory: options.data,
        concurrency: options.concurrency === undefined ? undefined : Number(options.concurrency),
        allowPrivateUrls: options.allowPrivateUrls ? true : undefined,
        initialCredits: options.initialCredits === undefined ? undefined : Number(options.initialCredits),
      });
    });
}
