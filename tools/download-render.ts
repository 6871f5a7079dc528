/** download_render: a render's files as local paths (stdio) or authenticated REST URLs (HTTP), plus resource links. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RenderbayError } from '../src/errors.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { copyToClientDirectory } from '../src/mcp/local-file.js';
import { renderFiles } from '../src/mcp/render-files.js';
import { MAX_RESOURCE_BYTES } from '../src/mcp/resources.js';
import { idArgument, renderStatus, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { findRenderRow } from '../src/renders/render-service.js';

export function registerDownloadRenderTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'download_render',
    title: 'Get the files of a render',
    description:
      'A render\'s files with their extensions: video (.mp4, .mov for pro), web, thumb, poster, posterFull (.png), dataset (.zip). ' +
      (stdio ? 'Each has its local path; directory copies them. ' : 'Each has a URL needing the same Bearer key; bundleUrl zips all. ') +
      `Files ≤ ${MAX_RESOURCE_BYTES / (1024 * 1024)} MB also come as resource links.`,
    scope: 'read',
    annotations: { readOnlyHint: !stdio, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    input: { renderId: idArgument('Render id') },
    localInput: { directory: z.string().describe('Absolute directory (or ~/…) to copy the files into').optional() },
    output: {
      renderId: z.string(),
      status: renderStatus,
      files: z.array(
        resultObject({ name: z.string(), fileName: z.string(), contentType: z.string(), size: z.number(), uri: z.string(), path: z.string().optional(), url: z.string().optional() }),
      ),
      bundleUrl: z.string().optional(),
    },
    run: async (args, caller) => {
      const { renderId, directory } = args as typeof args & { directory?: string };
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
        // A link only to what resources/read will return; larger files are reached by path or URL.
        content: files.filter((file) => file.size <= MAX_RESOURCE_BYTES).map((file) => ({
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
