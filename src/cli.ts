#!/usr/bin/env node
/**
 * The `renderbay` command. Each subcommand lives in src/cli/; this file wires them up and
 * turns every failure into one line `renderbay: <code>: <message>` and a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './cli/admin-commands.js';
import { registerFarmCommands } from './cli/farm-commands.js';
import { registerMcpCommand } from './cli/mcp-command.js';
import { registerRenderCommand } from './cli/render-command.js';
import { registerServeCommand } from './cli/serve-command.js';
import { registerStorageCommands } from './cli/storage-commands.js';
import { RenderbayError } from './errors.js';
import { RENDERBAY_VERSION as version } from './version.js';


const program = new Command()
  .name('renderbay')
  .description('Local render service for 3D models: product videos, posters and thumbnails from GLB/glTF, over CLI and REST')
  .version(version)
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

registerRenderCommand(program);
registerServeCommand(program);
registerAdminCommands(program);
registerStorageCommands(program);
registerMcpCommand(program);
registerFarmCommands(program);

try {
  await program.parseAsync(process.argv);
  process.exit(0); // the Xvfb this process started is stopped by the exit handler (serve returns after shutdown)
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  const json = process.argv.includes('--json');
  const code = error instanceof RenderbayError ? error.code : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
  process.stderr.write(`renderbay: ${code}: ${message}\n`);
  process.exit(1);
}
