/**
 * `renderbay mcp`: MCP over stdio for an agent on this machine. Opens the data directory
 * (the same one `renderbay serve` uses), runs the job engine in this process (renders
 * still run in worker processes), and acts as the local default account, created on first
 * use with the configured credit grant. stdout carries nothing but the protocol: every
 * log goes to stderr. Stops cleanly when stdin closes or on SIGTERM/SIGINT.
 */
import { getAccount, ensureLocalAccount } from '../accounts/accounts.js';
import type { Caller } from '../accounts/api-keys.js';
import type { ServerConfig } from '../config.js';
import { RenderbayError } from '../errors.js';
import { openDataDirectory, type FarmOptions } from '../open-data-directory.js';
import { createMcpServer } from './create-server.js';
import { allowDirectories, watchLocalRoots } from './local-roots.js';
import { watchRenderEvents } from './render-log.js';
import type { McpSession } from './session.js';
import { DEFAULT_CONFIRM_ABOVE } from './spending-guard.js';

const NAME = 'renderbay mcp';

/** Anything in this process that logs with console.* writes to stderr instead of corrupting the protocol. */
export function keepStdoutForProtocol(): void {
  const toStderr = (...values: unknown[]) => console.error(...values);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}

export interface StdioOptions {
  /** `--allow-dir`: where local paths may lead for a client without roots (default: RENDERBAY_ALLOW_DIRS, else the start directory and home). */
  allowDirs?: string[];
  /** `--confirm-above`: creating renders that cost more asks the user first (elicitation). */
  confirmAbove?: number;
  /** `--queue`/`--store`: render on a farm (src/farm/). */
  farm?: FarmOptions;
}

export async function runStdioServer(overrides: Partial<ServerConfig> = {}, options: StdioOptions = {}): Promise<void> {
  keepStdoutForProtocol();
  const log = (message: string) => process.stderr.write(`${NAME}: ${message}\n`);
  // Loaded here, not at the top: the transport is the only part of the SDK stdio needs beyond the server.
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');

  const { context, engine } = await openDataDirectory(overrides, options.farm);
  const { config, db } = context;
  const account = ensureLocalAccount(db, config.initialCredits);
  const accountId = account.id;
  await engine.start();

  const session: McpSession = {
    context,
    transport: 'stdio',
    confirmAbove: options.confirmAbove ?? DEFAULT_CONFIRM_ABOVE,
    authorize: (): Caller => {
      const current = getAccount(db, accountId);
      if (current.status === 'suspended') throw new RenderbayError('forbidden', 'This account is suspended', 403);
      return { account: current, key: null };
    },
    log,
  };
  const { server, cleanup } = createMcpServer(session);
  const allowed = allowDirectories(options.allowDirs);
  session.localRoots = watchLocalRoots(server.server, allowed);
  const transport = new StdioServerTransport();
  const stopWatching = watchRenderEvents(server, context, accountId);

  let stopping = false;
  const finished = new Promise<void>((resolve) => {
    const stop = (reason: string) => {
      if (stopping) return; // closing the server closes the transport, which reports back here
      stopping = true;
      log(`${reason}: stopping (running renders return to the queue)`);
      void (async () => {
        stopWatching();
        await cleanup().catch(() => {});
        await engine.stop();
        db.close();
        resolve();
      })();
    };
    process.stdin.once('end', () => stop('stdin closed'));
    process.stdout.once('error', () => stop('stdout closed')); // EPIPE: the client is gone
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    transport.onclose = () => stop('transport closed');
  });
  await server.connect(transport);
  log(
    `ready (data: ${config.dataDirectory}, account ${account.email}, concurrency ${config.concurrency}; ` +
      `local paths: the client's roots if it declares them, else ${allowed.join(', ') || 'none'})`,
  );
  await finished;
}
