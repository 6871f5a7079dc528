/** download_render: a render's files as local paths (stdio) or authenticated REST URLs (HTTP), plus resource links. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RenderbayError } from '../src/errors.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { copyToClientDirectory } from '../src/mcp/local-file.js';
import { renderFiles } from '../src/mcp/render-files.js';
import { idArgument, renderStatus, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { findRenderRow } from '../src/renders/render-service.js';

export function registerDownloadRenderTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'download_render',
    title: 'Get the files of a render',
    description:
      'The files of a render: video (MP4, or MOV for pro), web (lighter MP4), thumb (quarter-size MP4), poster (small PNG), posterFull (PNG), still:<name> (stills). ' +
      (stdio
        ? 'Each comes with its local path; give directory to copy them there with proper names (e.g. <renderId>-video.mp4). '
        : 'Each comes with a URL that needs the same Authorization: Bearer key; bundleUrl is a ZIP of all. ') +
      'Each is also an MCP resource (uri) readable with resources/read. Posters exist from status poster-done, the rest once done.',
    scope: 'read',
    annotations: { readOnlyHint: !stdio, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    input: {
      renderId: idArgument('Render id'),
      directory: z
        .string()
        .describe(stdio ? 'Optional: absolute directory (or ~/…) inside the allowed roots to copy the files into; created if missing. Existing files are never overwritten (file_exists)' : 'Not available over HTTP: use the URLs')
        .optional(),
    },
    output: {
      renderId: z.string(),
      status: renderStatus,
      files: z.array(
        resultObject({ name: z.string(), fileName: z.string(), contentType: z.string(), size: z.number(), uri: z.string(), path: z.string().optional(), url: z.string().optional() }),
      ),
      bundleUrl: z.string().optional(),
    },
    run: async ({ renderId, directory }, caller) => {
      const { context } = session;
      const row = findRenderRow(context, caller.account.id, renderId);
      const files = renderFiles(session, row);
      if (files.length === 0) {
        throw new RenderbayError('video_not_found', `Render ${row.id} has no files yet (status: ${row.status}): wait for it with get_render`, 404);
      }
      if (directory !== undefined) {
        const copies = await copyToClientDirectory(
          session,
          directory,
          files.map((file) => ({ source: file.path!, name: `${row.id}-${file.fileName}` })),
          'download the URLs instead',
        );
        files.forEach((file, index) => (file.path = copies[index]));
      }
      const bundleUrl = session.apiUrl && row.status === 'done' ? session.apiUrl(`/renders/${encodeURIComponent(row.id)}/bundle`) : undefined;
      return {
        data: { renderId: row.id, status: row.status, files, ...(bundleUrl ? { bundleUrl } : {}) },
        summary:
          `Render ${row.id} (${row.status}): ` +
          files.map((file) => `${file.name} ${file.path ?? file.url}`).join('; ') +
          (row.status === 'done' ? '' : ' — more files once it is done.'),
        content: files.map((file) => ({
          type: 'resource_link' as const,
          uri: file.uri,
          name: `${row.id}-${file.fileName}`,
          title: `${file.name} of render ${row.id}`,
          mimeType: file.contentType,
          size: file.size,
        })),
      };
    },
  });
}
