/** upload_overlay: POST /v1/overlays, from a URL, inline base64, or (stdio) a local file. */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import nodePath from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { withUploadSlot } from '../src/api/upload-slots.js';
import type { AppContext } from '../src/context.js';
import { RenderbayError } from '../src/errors.js';
import { LIMITS } from '../src/limits.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { copyLocalFile, type LocalFile } from '../src/mcp/local-file.js';
import { overlayOutput } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { hashFile } from '../src/storage/file-store.js';

export function registerUploadOverlayTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'upload_overlay',
    title: 'Upload an overlay image',
    description:
      `Adds a PNG/JPEG/WebP overlay from a url (≤ 10 MB) or base64 + filename (≤ ${LIMITS.mcpInlineFileBytes / (1024 * 1024)} MB)` +
      `${stdio ? ' or a local path' : ''}; its id goes in renderSettings.bgImageId (background) or foregroundIds.`,
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    input: {
      url: z.string().optional(),
      base64: z.string().optional(),
      filename: z.string().describe('With base64').optional(),
      layer: z.enum(['background', 'foreground']).optional(),
      alignment: z.string().describe('Default top-left').optional(),
      name: z.string().optional(),
      description: z.string().optional(),
    },
    localInput: { path: z.string().describe('Absolute path (or ~/…) of the image on this machine').optional() },
    output: { id: overlayOutput.id, layer: overlayOutput.layer, name: overlayOutput.name },
    run: async (args, caller) => {
      const { url, base64, filename, path, ...fields } = args as typeof args & { path?: string };
      const { context } = session;
      if ([url, base64, path].filter((source) => source !== undefined).length !== 1) {
        throw new RenderbayError('invalid_request', `Give exactly one of url, base64 (with filename)${stdio ? ', path' : ''}`, 400);
      }
      if (path !== undefined && !stdio) throw new RenderbayError('path_not_allowed', 'path is only available to a local (stdio) client: give url or base64 + filename', 400);
      // Loaded on first use: the overlay service pulls in sharp, slow to import at startup.
      const { createOverlay, MAX_OVERLAY_BYTES } = await import('../src/overlays/overlay-service.js');
      const overlay = await withUploadSlot(context, caller.account.id, async () => {
        const file =
          path !== undefined
            ? await copyLocalFile(session, path, MAX_OVERLAY_BYTES, 'give url or base64 + filename')
            : base64 !== undefined
              ? await writeInlineFile(context, base64, filename)
              : await downloadImage(context, url!, MAX_OVERLAY_BYTES);
        const given = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
        return createOverlay(context, caller.account.id, file, given);
      });
      return { data: overlay, summary: `Overlay ${overlay.id} "${overlay.name}" (${overlay.layer}, ${overlay.width}×${overlay.height}).` };
    },
  });
}

async function writeInlineFile(context: AppContext, base64: string, filename: string | undefined): Promise<LocalFile> {
  if (!filename) throw new RenderbayError('invalid_request', 'filename is required with base64 (e.g. brand.png)', 400);
  const max = LIMITS.mcpInlineFileBytes;
  // Checked on the text first, so an oversized argument is never decoded.
  if (base64.length > Math.ceil(max / 3) * 4 + 4) throw new RenderbayError('file_too_large', `base64 files are limited to ${max / (1024 * 1024)} MB: give a url instead`, 400);
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(base64)) throw new RenderbayError('invalid_request', 'base64 is not valid base64', 400);
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new RenderbayError('invalid_request', 'base64 is empty', 400);
  const copy = nodePath.join(context.store.tempDirectory, `inline-${randomUUID()}.part`);
  await writeFile(copy, bytes);
  return { path: copy, sha256: await hashFile(copy), bytes: bytes.length, filename: nodePath.basename(filename) };
}

async function downloadImage(context: AppContext, url: string, maxBytes: number): Promise<LocalFile> {
  // The same download as URL ingest (SSRF guard, redirects re-checked, size and time limits).
  const { downloadToFile } = await import('../src/ingest/url-download.js');
  const file = await downloadToFile(url, context.store.tempDirectory, { allowPrivate: context.config.allowPrivateUrls, maxBytes });
  return { path: file.path, sha256: file.sha256, bytes: file.bytes, filename: file.filename };
}

