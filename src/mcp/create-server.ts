/**
 * The Renderbay MCP server for one session: every tool (tools/) and the render-file
 * resources, over whichever transport the caller connects. Returns the server and its
 * cleanup, like the MCP reference servers' `createServer()`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../../tools/index.js';
import { registerPrompts } from './prompts.js';
import { registerRenderResources } from './resources.js';
import { installToolList } from './tool-list.js';
import type { McpSession } from './session.js';
import { RENDERBAY_VERSION as version } from '../version.js';


/** Sent to the client at initialisation; agents read it before planning. */
export const INSTRUCTIONS = [
  'Renderbay renders 3D models (GLB/glTF) into product videos, posters and training datasets on this machine.',
  'Workflow in few calls: ingest_model (urls, tags) → quote the { modelId, renderSettings } items → create_batch_renders → wait_for_renders with all ids → download_render.',
  'list_renders answers "what exists / what is pending" in one call. Render settings reference: resource renderbay://docs/render-settings.',
  'Failed renders (status error) are refunded. Errors come back as "code: message", the REST API\'s codes; fix the field they name and retry.',
].join(' ');

export function createMcpServer(session: McpSession): { server: McpServer; cleanup(): Promise<void> } {
  const server = new McpServer(
    { name: 'renderbay', title: 'Renderbay', version },
    { capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} }, instructions: INSTRUCTIONS },
  );
  registerTools(server, session);
  installToolList(server, session);
  registerRenderResources(server, session);
  registerPrompts(server);
  return { server, cleanup: () => server.close() };
}
