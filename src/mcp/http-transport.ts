/**
 * MCP over Streamable HTTP at `/mcp` of `renderbay serve`.
 *
 * Stateless: every POST gets a fresh server and transport, authenticated with the same
 * `Authorization: Bearer rb_sk_…` key as the REST API and scoped to that key's account.
 * No session state means nothing to expire or leak between keys, any number of clients,
 * and a restart loses nothing; a request's progress notifications travel on its own SSE
 * response. GET (a standalone notification stream) and DELETE (session end) have no
 * meaning without sessions and answer 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { authenticate, requireScope } from '../accounts/api-keys.js';
import { API_PREFIX, sendError, sendJson } from '../api/http-app.js';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { signedUrl } from '../sharing/signed-urls.js';
import { createMcpServer } from './create-server.js';
import type { McpSession } from './session.js';

export const MCP_PATH = '/mcp';

export function isMcpRequest(url: string | undefined): boolean {
  return url === MCP_PATH || url?.startsWith(`${MCP_PATH}?`) === true || url?.startsWith(`${MCP_PATH}/`) === true;
}

export function createMcpHttpHandler(
  context: AppContext,
  log: (message: string) => void = (message) => process.stderr.write(`renderbay mcp: ${message}\n`),
  /** The server's public base URL (never the request's Host header, which a client controls). */
  publicBaseUrl: () => string = () => context.config.publicUrl ?? `http://${context.config.host}:${context.config.port}`,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    try {
      const caller = authenticate(context.db, request.headers.authorization, 'read');
      if (request.method !== 'POST') {
        response.setHeader('Allow', 'POST');
        sendJson(response, 405, { error: { code: 'method_not_allowed', message: `${request.method} ${MCP_PATH}: this server is stateless; send JSON-RPC with POST`, status: 405 } });
        return;
      }
      const baseUrl = `${publicBaseUrl()}${API_PREFIX}`;
      const signedUntil = Math.floor(Date.now() / 1000) + LIMITS.signedUrlDefaultTtlSeconds;
      const session: McpSession = {
        context,
        transport: 'http',
        scopes: caller.key?.scopes,
        // The key was resolved once for this request; each tool checks its own scope, as the REST routes do.
        authorize: (scope) => requireScope(caller, scope),
        apiUrl: (path) => `${baseUrl}${path}`,
        signedApiUrl: (path) => signedUrl(context.db, publicBaseUrl(), `${API_PREFIX}${path}`, signedUntil),
        log,
      };
      const { server, cleanup } = createMcpServer(session);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      response.once('close', () => {
        void transport.close();
        void cleanup();
      });
      await server.connect(transport);
      await transport.handleRequest(request, response);
    } catch (error) {
      if (error instanceof RenderbayError && error.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="renderbay"');
      sendError(response, error, log);
    }
  };
}
