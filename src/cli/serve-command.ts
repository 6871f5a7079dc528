/** `renderbay serve`: the REST API (and MCP at /mcp) on 127.0.0.1 with its job engine, until SIGTERM/SIGINT. */
import { Command } from 'commander';
import { corsOrigins, publicUrl, resolveHttpConfig } from '../config.js';
import { RenderbayError } from '../errors.js';
import { addEngineOptions, engineOverrides, type EngineOptionValues } from './engine-options.js';
import { addFarmOptions, addStorePresignOption, type FarmOptionValues } from './farm-options.js';

export function registerServeCommand(program: Command): void {
  addStorePresignOption(addFarmOptions(addEngineOptions(
    program
      .command('serve')
      .description('Serve the REST API (and render queue) on this machine')
      .option('--host <host>', 'interface to listen on (RENDERBAY_HOST)', undefined)
      .option('--port <port>', 'TCP port (RENDERBAY_PORT, default 8080; 0 picks a free one)', undefined)
      .option('--public-url <url>', 'base URL clients reach this server at, for the absolute URLs it hands out (RENDERBAY_PUBLIC_URL; default the listening address)', undefined)
      .option('--max-connections <n>', 'connections held at once (RENDERBAY_MAX_CONNECTIONS, default 512, fitted under the open-file limit)', undefined)
      .option('--grok3d-open', 'serve the Grok 3D surface (/compat/grok3d) without a key to loopback clients, as the local account (RENDERBAY_GROK3D_OPEN=1; default off)')
      .option('--cors-origin <origin>', 'let browser pages from this origin call the API, e.g. https://app.example.com; repeatable (RENDERBAY_CORS_ORIGINS, comma-separated; default none)', (value: string, previous: string[] = []) => [...previous, value]),
  )))
    .action(async (options: EngineOptionValues & FarmOptionValues & { host?: string; port?: string; maxConnections?: string; corsOrigin?: string[]; publicUrl?: string; grok3dOpen?: boolean }) => {
      // Imported when used: the HTTP stack is slow to load, and other commands (`renderbay mcp`) must start fast.
      const { startServer } = await import('../server.js');
      const running = await startServer({
        host: options.host,
        port: options.port === undefined ? undefined : Number(options.port),
        ...engineOverrides(options),
        ...(options.publicUrl === undefined ? {} : { publicUrl: publicUrl(options.publicUrl) }),
        http: resolveHttpConfig({ maxConnections: positiveInteger(options.maxConnections, '--max-connections') }),
        corsOrigins: options.corsOrigin === undefined ? undefined : corsOrigins(options.corsOrigin),
        ...(options.grok3dOpen ? { grok3dOpen: true } : {}),
      }, { queue: options.queue, store: options.store, storePresignSeconds: options.storePresignSeconds });
      const { config } = running.context;
      process.stdout.write(
        `Renderbay API listening on ${running.url} (data: ${config.dataDirectory}, ${running.context.farm ? 'render farm: passes on the queue, ' : ''}concurrency ${config.concurrency}, up to ${running.connectionLimits.maxConnections} connections${config.corsOrigins.length > 0 ? `, CORS for ${config.corsOrigins.join(' ')}` : ''}${config.grok3dOpen ? ', Grok 3D surface open to loopback clients' : ''})\n`,
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
