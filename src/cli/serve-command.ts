/** `renderbay serve`: the REST API (and MCP at /mcp) on 127.0.0.1 with its job engine, until SIGTERM/SIGINT. */
import { Command } from 'commander';
import { addEngineOptions, engineOverrides, type EngineOptionValues } from './engine-options.js';

export function registerServeCommand(program: Command): void {
  addEngineOptions(
    program
      .command('serve')
      .description('Serve the REST API (and render queue) on this machine')
      .option('--host <host>', 'interface to listen on (RENDERBAY_HOST)', undefined)
      .option('--port <port>', 'TCP port (RENDERBAY_PORT, default 8080; 0 picks a free one)', undefined),
  )
    .action(async (options: EngineOptionValues & { host?: string; port?: string }) => {
      // Imported when used: the HTTP stack is slow to load, and other commands (`renderbay mcp`) must start fast.
      const { startServer } = await import('../server.js');
      const running = await startServer({
        host: options.host,
        port: options.port === undefined ? undefined : Number(options.port),
        ...engineOverrides(options),
      });
      const { config } = running.context;
      process.stdout.write(`Renderbay API listening on ${running.url} (data: ${config.dataDirectory}, concurrency ${config.concurrency})\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.stderr.write(`renderbay: ${signal}: stopping (running renders return to the queue)\n`);
          void running.close().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
