/**
 * Every Renderbay MCP tool. Each file adapts one service function (the same ones the REST
 * routes call) and nothing more; src/mcp/define-tool.ts does authorisation, results and errors.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpSession } from '../src/mcp/session.js';
import { registerCreateBatchRendersTool } from './create-batch-renders.js';
import { registerCreateRenderTool } from './create-render.js';
import { registerDownloadRenderTool } from './download-render.js';
import { registerExportUsdzTool } from './export-usdz.js';
import { registerGetAccountTool } from './get-account.js';
import { registerGetModelTool } from './get-model.js';
import { registerGetRenderTool } from './get-render.js';
import { registerIngestModelTool } from './ingest-model.js';
import { registerLifecycleTools } from './lifecycle.js';
import { registerListRendersTool } from './list-renders.js';
import { registerWaitForRendersTool } from './wait-for-renders.js';
import { registerListModelsTool } from './list-models.js';
import { registerListOverlaysTool } from './list-overlays.js';
import { registerListTemplatesTool } from './list-templates.js';
import { registerCreateTemplateTool } from './create-template.js';
import { registerCreateJobTool } from './create-job.js';
import { registerGetJobTool } from './get-job.js';
import { registerQuoteTool } from './quote.js';
import { registerUpdateModelTool } from './update-model.js';
import { registerUploadEnvironmentTool } from './upload-environment.js';
import { registerUploadOverlayTool } from './upload-overlay.js';
import { registerGenerateModelTool } from './generate-model.js';
import { registerRestyleImageTool } from './restyle-image.js';
import { isProviderConfigured } from '../src/providers/provider-registry.js';

/** In workflow order: what an agent reads in tools/list. */
export function registerTools(server: McpServer, session: McpSession): void {
  registerIngestModelTool(server, session);
  registerListModelsTool(server, session);
  registerGetModelTool(server, session);
  registerExportUsdzTool(server, session);
  registerUpdateModelTool(server, session);
  registerQuoteTool(server, session);
  registerCreateRenderTool(server, session);
  registerCreateBatchRendersTool(server, session);
  registerWaitForRendersTool(server, session);
  registerListRendersTool(server, session);
  registerGetRenderTool(server, session);
  registerDownloadRenderTool(server, session);
  registerGetAccountTool(server, session);
  registerListOverlaysTool(server, session);
  registerUploadOverlayTool(server, session);
  registerUploadEnvironmentTool(server, session);
  registerListTemplatesTool(server, session);
  registerCreateTemplateTool(server, session);
  registerCreateJobTool(server, session);
  registerGetJobTool(server, session);
  // Generative tools only where the operator configured a provider (README, "Generation providers").
  if (isProviderConfigured('image-to-3d')) registerGenerateModelTool(server, session);
  if (isProviderConfigured('image-to-image') || isProviderConfigured('image-to-video')) registerRestyleImageTool(server, session);
  registerLifecycleTools(server, session);
}
