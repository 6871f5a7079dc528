/**
 * Starts Renderbay's HTTP server: opens the data directory (database, file store),
 * recovers and starts the job engine, serves the REST API and MCP (Streamable HTTP at
 * /mcp), delivers webhooks, and shuts all of it down cleanly — running renders go back
 * to the queue, pending deliveries stay pending, nothing is lost.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiHandler } from './api/http-app.js';
import { createGlossiHandler, isGlossiRequest } from './compat/glossi/glossi-app.js';
import { createGrok3dHandler, isGrok3dRequest } from './compat/grok3d/grok3d-app.js';
import { createThreeDimensionsHandler, isThreeDimensionsRequest } from './compat/threedimensions/tdim-app.js';
import type { ServerConfig } from './config.js';
import type { AppContext } from './context.js';
import { answerCors } from './http/cors.js';
import { fitConnectionCap, guardConnections, httpServerOptions, type ConnectionLimits } from './http/connection-guard.js';
import type { JobEngine } from './jobs/job-engine.js';
import { LIMITS } from './limits.js';
import { createMcpHttpHandler, isMcpRequest } from './mcp/http-transport.js';
import { openDataDirectory, type FarmOptions } from './open-data-directory.js';
import { createPortalHandler, isPortalRequest } from './portal/portal-handler.js';
import { WebhookDeliverer } from './webhooks/delivery-loop.js';

export interface RunningServer {
  /** Base URL of the API, e.g. http://127.0.0.1:8080/v1 */
  url: string;
  context: AppContext;
  engine: JobEngine;
  /** Sends webhook deliveries (this process's and those recorded by others on the data directory). */
  webhooks: WebhookDeliverer;
  /** The connection cap and timeouts in force (the cap fitted under the file-descriptor limit). */
  connectionLimits: ConnectionLimits;
  close(): Promise<void>;
}

/** Largest request body: a model at the size limit plus its multipart form fields. */
const MAX_BODY_BYTES = LIMITS.maxModelBytes + LIMITS.uploadFields * LIMITS.uploadFieldBytes + 64 * 1024;

export async function startServer(overrides: Partial<ServerConfig> = {}, farm: FarmOptions = {}): Promise<RunningServer> {
  const { context, engine } = await openDataDirectory(overrides, farm);
  const { config, db } = context;
  await engine.start();
  const webhooks = new WebhookDeliverer(context);
  webhooks.start();

  // The base of the absolute URLs the server hands out: --public-url, else the address it listens on (known after listen).
  let baseUrl = config.publicUrl ?? '';
  const publicBaseUrl = () => baseUrl;
  const api = createApiHandler(context, undefined, publicBaseUrl);
  const mcp = createMcpHttpHandler(context, undefined, publicBaseUrl); // MCP over Streamable HTTP at /mcp, same keys as the REST API
  const portal = createPortalHandler(context, publicBaseUrl); // public share pages and oEmbed at /portal
  const glossi = createGlossiHandler(context, publicBaseUrl); // the Glossi-compatible API at /compat/glossi
  const grok3d = createGrok3dHandler(context, publicBaseUrl); // the Grok 3D Pipeline API at /compat/grok3d
  const threeDimensions = createThreeDimensionsHandler(context, publicBaseUrl); // the 3Dimensions API at /compat/3dimensions
  const connectionLimits: ConnectionLimits = {
    ...config.http,
    maxConnections: fitConnectionCap(config.http.maxConnections, LIMITS.httpFdReserve),
    maxBodyBytes: MAX_BODY_BYTES,
    evictionGraceMs: LIMITS.httpEvictionGraceMs,
  };
  const server = http.createServer(httpServerOptions(connectionLimits), (request, response) => {
    if (answerCors(request, response, config.corsOrigins)) return;
    if (isMcpRequest(request.url)) void mcp(request, response);
    else if (isPortalRequest(request.url)) portal(request, response);
    else if (isGlossiRequest(request.url)) glossi(request, response);
    else if (isGrok3dRequest(request.url)) grok3d(request, response);
    else if (isThreeDimensionsRequest(request.url)) threeDimensions(request, response);
    else api(request, response);
  });
  guardConnections(server, connectionLimits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  baseUrl = config.publicUrl ?? `http://${host}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}/v1`,
    context,
    engine,
    webhooks,
    connectionLimits,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        webhooks.stop();
        await engine.stop();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
        await closed;
        db.close();
      })()),
  };
}
