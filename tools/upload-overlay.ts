/** upload_overlay: POST /v1/overlays, from a URL, inline base64, or (stdio) a local file. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { LIMITS } from '../src/limits.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { overlayOutput } from '../src/mcp/schemas.js';
import { createOverlay } from '../src/overlays/overlay-service.js';
import type { McpSession } from '../src/mcp/session.js';
import { localUploadArgument, receiveToolUpload, uploadArguments, uploadSources } from '../src/mcp/tool-upload.js';

export function registerUploadOverlayTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'upload_overlay',
    title: 'Upload an overlay image',
    description: `Adds a PNG/JPEG/WebP overlay ${uploadSources(session, LIMITS.maxOverlayBytes)}; its id goes in renderSettings.bgImageId (background) or foregroundIds.`,
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    input: {
      ...uploadArguments,
      layer: z.enum(['background', 'foreground']).optional(),
      alignment: z.string().meta({ default: 'top-left' }).optional(),
      name: z.string().optional(),
      description: z.string().optional(),
    },
    localInput: localUploadArgument,
    output: { id: overlayOutput.id, layer: overlayOutput.layer, name: overlayOutput.name },
    run: async (args, caller) => {
      const { url, base64, filename, path, ...fields } = args as typeof args & { path?: string };
      const given = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
      const overlay = await receiveToolUpload(session, caller.account.id, { url, base64, filename, path }, LIMITS.maxOverlayBytes, (file) =>
        createOverlay(session.context, caller.account.id, file, given),
      );
      return { data: overlay, summary: `Overlay ${overlay.id} "${overlay.name}" (${overlay.layer}, ${overlay.width}×${overlay.height}).` };
    },
  });
}
