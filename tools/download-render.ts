/** download_render: a render's files as local paths (stdio) or signed REST URLs (HTTP, no key needed), plus resource links. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RenderbayError } from '../src/errors.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { copyToClientDirectory } from '../src/mcp/local-file.js';
import { renderFiles, type RenderFile } from '../src/mcp/render-files.js';
import { MAX_RESOURCE_BYTES } from '../src/mcp/resources.js';
import { idArgument, localDirectoryArgument, renderStatus, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { findRenderRow, type RenderStatus } from '../src/renders/render-service.js';
import { LIMITS } from '../src/limits.js';

export function registerDownloadRenderTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'download_render',
    title: 'Get the files of a render',
    description:
      'A render\'s files, with extensions (.mp4/.mov, .png, .zip, stills). ' +
      (stdio ? 'Each has its local path; directory copies them. ' : `Each has a signed URL that opens without a key (a browser, a chat link) for ${LIMITS.signedUrlDefaultTtlSeconds / 86400} days; bundleUrl zips all. `) +
      `Files ≤ ${MAX_RESOURCE_BYTES / (1024 * 1024)} MB also come as resource links (the main file only, for renderIds).`,
    scope: 'read',
    annotations: { readOnlyHint: !stdio, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    input: {
      renderId: idArgument().optional(),
      renderIds: z.array(z.string()).meta({ maxItems: LIMITS.mcpMaxItems }).describe('Several renders at once').optional(),
    },
    localInput: { directory: localDirectoryArgument.optional() },
    output: {
      renderId: z.string().optional(),
      status: renderStatus.optional(),
      files: z.array(resultObject(fileOutput)).optional(),
      ...(stdio ? {} : { bundleUrl: z.string().optional() }),
      renders: z.array(resultObject({ renderId: z.string(), status: renderStatus, files: z.array(resultObject(fileOutput)) })).optional(),
    },
    run: async (args, caller) => {
      const { renderId, renderIds, directory } = args as typeof args & { directory?: string };
      if ((renderId === undefined) === (renderIds === undefined)) throw new RenderbayError('invalid_request', 'Give renderId or renderIds', 400);
      if (renderIds && (renderIds.length === 0 || renderIds.length > LIMITS.mcpMaxItems)) throw new RenderbayError('invalid_request', `renderIds takes 1 to ${LIMITS.mcpMaxItems} ids`, 400);
      const { context } = session;
      const rows = (renderIds ?? [renderId!]).map((id) => findRenderRow(context, caller.account.id, id));
      const renders: RenderDownload[] = [];
      for (const row of rows) {
        const files = renderFiles(session, row);
        if (files.length === 0) {
          throw new RenderbayError('video_not_found', `Render ${row.id} has no files yet (status: ${row.status}): wait for it with wait_for_renders`, 404);
        }
        if (directory !== undefined) {
          const copies = await copyToClientDirectory(session, directory, files.map((file) => ({ source: file.path!, name: `${row.id}-${file.fileName}` })), 'download the URLs instead');
          files.forEach((file, index) => (file.path = copies[index]));
        }
        const bundleUrl = session.signedApiUrl && row.status === 'done' ? session.signedApiUrl(`/renders/${encodeURIComponent(row.id)}/bundle`) : undefined;
        renders.push({ renderId: row.id, status: row.status, files, ...(bundleUrl ? { bundleUrl } : {}) });
      }
      // The result lists each file once (its resource link carries the uri and type).
      const slim = renders.map((render) => ({ ...render, files: render.files.map(({ uri: _uri, contentType: _type, ...file }) => file) }));
      const unfinished = renders.filter((render) => render.status !== 'done').map((render) => render.renderId);
      return {
        data: renderIds ? { renders: slim } : slim[0],
        summary: `${renders.length} render(s), ${renders.reduce((sum, render) => sum + render.files.length, 0)} files.${unfinished.length ? ` More files once done: ${unfinished.join(', ')}.` : ''}`,
        // A link only to what resources/read will return (larger files are reached by path or URL);
        // for many renders, only to each one's main file (the first: video, or dataset), to keep the result small.
        content: renders.flatMap((render) =>
          render.files
            .filter((file) => file.size <= MAX_RESOURCE_BYTES)
            .slice(0, renderIds ? 1 : undefined)
            .map((file) => ({ type: 'resource_link' as const, uri: file.uri, name: `${render.renderId}-${file.fileName}`, mimeType: file.contentType, size: file.size })),
        ),
      };
    },
  });
}

const fileOutput = { name: z.string(), fileName: z.string(), size: z.number(), path: z.string().optional(), url: z.string().optional() };

interface RenderDownload {
  renderId: string;
  status: RenderStatus;
  files: RenderFile[];
  bundleUrl?: string;
}
