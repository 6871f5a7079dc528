/** upload_overlay: POST /v1/overlays, from a local image file (stdio). */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { withUploadSlot } from '../src/api/upload-slots.js';
import { RenderbayError } from '../src/errors.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { copyLocalFile } from '../src/mcp/local-file.js';
import { overlayOutput } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';

export function registerUploadOverlayTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'upload_overlay',
    title: 'Upload an overlay image',
    description:
      'Add a background or foreground image (PNG, JPEG or WebP, ≤ 10 MB) from a local file. ' +
      (stdio ? 'Returns its id for list_overlays and render settings.' : 'Only available to a local (stdio) client; over HTTP use POST /v1/overlays.'),
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    input: {
      path: z.string().describe('Absolute path (or ~/…) of the image on this machine, inside the allowed roots'),
      layer: z.string().describe('background (default) or foreground').optional(),
      alignment: z.string().describe('top-left (default), top-center, top-right, center-left, center, center-right, bottom-left, bottom-center or bottom-right').optional(),
      name: z.string().describe('Name (≤ 100 characters; default: the file name)').optional(),
      description: z.string().describe('Description (≤ 500 characters)').optional(),
    },
    output: overlayOutput,
    run: async ({ path, ...fields }, caller) => {
      const { context } = session;
      if (!stdio) throw new RenderbayError('path_not_allowed', 'upload_overlay reads a local file, which only a local (stdio) client can name: use POST /v1/overlays over HTTP', 400);
      // Loaded on first use: the overlay service pulls in sharp, slow to import at startup.
      const { createOverlay, MAX_OVERLAY_BYTES } = await import('../src/overlays/overlay-service.js');
      const overlay = await withUploadSlot(context, caller.account.id, async () => {
        const file = await copyLocalFile(session, path, MAX_OVERLAY_BYTES, 'use POST /v1/overlays over HTTP');
        const given = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
        return createOverlay(context, caller.account.id, file, given);
      });
      return { data: overlay, summary: `Overlay ${overlay.id} "${overlay.name}" (${overlay.layer}, ${overlay.width}×${overlay.height}).` };
    },
  });
}
