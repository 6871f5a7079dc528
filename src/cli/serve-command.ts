/** `renderbay serve`: the REST API (and MCP at /mcp) on 127.0.0.1 with its job engine, until SIGTERM/SIGINT. */
import { Command } from 'commander';
import { corsOrigins, publicUrl, resolveHttpConfig } from '../config.js';
import { RenderbayError } from '../errors.js';
import { addEngineOptions, engineOverrides, type EngineOptionValues } from './engine-options.js';
import { addFarmOptions, type FarmOptionValues } from './farm-options.js';

export function registerServeCommand(program: Command): void {
  addFarmOptions(addEngineOptions(
    program
      .command('serve')
      .description('Serve the REST API (and render queue) on this machine')
      .option('--host <host>', 'interface to listen on (RENDERBAY_HOST)', undefined)
      .option('--port <port>', 'TCP port (RENDERBAY_PORT, default 8080; 0 picks a free one)', undefined)
      .option('--public-url <url>', 'base URL clients reach this server at, for the absolute URLs it hands out (RENDERBAY_PUBLIC_URL; default the listening address)', undefined)
      .option('--max-connections <n>', 'connections held at once (RENDERBAY_MAX_CONNECTIONS, default 512, fitted under the open-file limit)', undefined)
      .option('--cors-origin <origin>', 'let browser pages from this origin call the API, e.g. https://app.example.com; repeatable (RENDERBAY_CORS_ORIGINS, comma-separated; default none)', (value: string, previous: string[] = []) => [...previous, value]),
  ))
    .action(async (options: EngineOptionValues & FarmOptionValues & { host?: string; port?: string; maxConnections?: string; corsOrigin?: string[]; publicUrl?: string }) => {
      // Imported when used: the HTTP stack is slow to load, and other commands (`renderbay mcp`) must start fast.
      const { startServer } = await import('../server.js');
      const running = await startServer({
        host: options.host,
        port: options.port === undefined ? undefined : Number(options.port),
        ...engineOverrides(options),
        ...(options.publicUrl === undefined ? {} : { publicUrl: publicUrl(options.publicUrl) }),
        http: resolveHttpConfig({ maxConnections: positiveInteger(options.maxConnections, '--max-connections') }),
        corsOrigins: options.corsOrigin === undefined ? undefined : corsOrigins(options.corsOrigin),
      }, { queue: options.queue, store: options.store });
      const { config } = running.context;
      process.stdout.write(
        `Renderbay API listening on ${running.url} (data: ${config.dataDirectory}, ${running.context.farm ? 'render farm: passes on the queue, ' : ''}concurrency ${config.concurrency}, up to ${running.connectionLimits.maxConnections} connections${config.corsOrigins.length > 0 ? `, CORS for ${config.corsOrigins.join(' ')}` : ''})\n`,
      );
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

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new RenderbayError('invalid_request', `${flag} must be a whole number ≥ 1`);
  return parsed;
}
