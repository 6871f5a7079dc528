/**
 * The Renderbay MCP server for one session: every tool (tools/) and the render-file
 * resources, over whichever transport the caller connects. Returns the server and its
 * cleanup, like the MCP reference servers' `createServer()`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../../tools/index.js';
import { registerRenderResources } from './resources.js';
import type { McpSession } from './session.js';
import { RENDERBAY_VERSION as version } from '../version.js';


/** Sent to the client at initialisation; agents read it before planning. */
export const INSTRUCTIONS = [
  'Renderbay renders 3D models (GLB/glTF) into turntable product videos, posters and thumbnails on this machine.',
  'Workflow: ingest_model (URL or local file, with tags) → quote the renders you plan (credits) → create_render or create_batch_renders (they return at once with ids) →',
  'get_render with waitSeconds until status is "done" (it shows a poster preview once one exists) → download_render for the files.',
  'Failed renders are refunded. Errors come back as "code: message", the same codes as the REST API; fix the argument they name and retry.',
].join(' ');

export function createMcpServer(session: McpSession): { server: McpServer; cleanup(): Promise<void> } {
  const server = new McpServer(
    { name: 'renderbay', title: 'Renderbay', version },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  registerTools(server, session);
  registerRenderResources(server, session);
  return { server, cleanup: () => server.close() };
}
