/**
 * `renderbay mcp`: MCP over stdio for AI agents (Claude Desktop, Cursor, Windsurf, VS Code).
 * No key: it acts as the local account. See src/mcp/stdio-server.ts.
 */
import { Command } from 'commander';
import { addEngineOptions, engineOverrides, type EngineOptionValues } from './engine-options.js';
import { addFarmOptions, type FarmOptionValues } from './farm-options.js';

export function registerMcpCommand(program: Command): void {
  addFarmOptions(addEngineOptions(
    program
      .command('mcp')
      .description('Speak MCP over stdio for an AI agent on this machine (acts as the local account; renders in this process, or on a farm with --queue/--store)'),
  ))
    .option('--initial-credits <n>', 'credits the local account gets when first created (RENDERBAY_INITIAL_CREDITS, default 100)', undefined)
    .option('--confirm-above <n>', 'ask the user (MCP elicitation) before creating renders that cost more credits than this (RENDERBAY_CONFIRM_ABOVE, default 50)', undefined)
    .option(
      '--allow-dir <dir>',
      'a directory local paths may lead into when the client declares no roots; repeatable (RENDERBAY_ALLOW_DIRS, default: the start directory and home)',
      (dir: string, dirs: string[]) => [...dirs, dir],
      [] as string[],
    )
    .action(async (options: EngineOptionValues & FarmOptionValues & { initialCredits?: string; confirmAbove?: string; allowDir: string[] }) => {
      // Imported when used, so that `renderbay mcp` answers its client quickly.
      const { runStdioServer } = await import('../mcp/stdio-server.js');
      const { confirmAboveSetting } = await import('../mcp/spending-guard.js');
      await runStdioServer(
        {
          ...engineOverrides(options),
          initialCredits: options.initialCredits === undefined ? undefined : Number(options.initialCredits),
        },
        { confirmAbove: confirmAboveSetting(options.confirmAbove), allowDirs: options.allowDir, farm: { queue: options.queue, store: options.store } },
      );
    });
}
