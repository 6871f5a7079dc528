/** upload_environment: POST /v1/environments, from a URL, inline base64, or (stdio) a local file. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { createEnvironment } from '../src/environments/environment-service.js';
import { LIMITS } from '../src/limits.js';
import { defineTool } from '../src/mcp/define-tool.js';
import type { McpSession } from '../src/mcp/session.js';
import { localUploadArgument, receiveToolUpload, uploadArguments, uploadSources } from '../src/mcp/tool-upload.js';

export function registerUploadEnvironmentTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'upload_environment',
    title: 'Upload an HDR environment',
    description: `Adds an equirectangular HDR/EXR panorama ${uploadSources(session, LIMITS.maxEnvironmentBytes)} to light renders; its id goes in renderSettings.environmentImage.`,
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    input: { ...uploadArguments, name: z.string().optional() },
    localInput: localUploadArgument,
    output: { id: z.string(), name: z.string(), format: z.enum(['hdr', 'exr']) },
    run: async ({ name, ...source }, caller) => {
      const accountId = caller.account.id;
      const environment = await receiveToolUpload(session, accountId, source, LIMITS.maxEnvironmentBytes, (file) =>
        createEnvironment(session.context, accountId, file, name === undefined ? {} : { name }),
      );
      return { data: environment, summary: `Environment ${environment.id} "${environment.name}" (${environment.format}, ${environment.width}×${environment.height}).` };
    },
  });
}
