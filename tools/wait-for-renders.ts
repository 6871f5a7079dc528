/** wait_for_renders: wait for many renders in one call, with one combined progress stream and compact rows. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { RenderbayError } from '../src/errors.js';
import { LIMITS } from '../src/limits.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { storedAssetPath } from '../src/mcp/render-files.js';
import { PREVIEW_MODES, renderPreview, SMALL_PREVIEW_SIDE, wantsPreview } from '../src/mcp/render-preview.js';
import { combinedProgress, MAX_WAIT_SECONDS, waitForAll } from '../src/mcp/render-wait.js';
import { compactRenderOutput } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { compactRendersById } from '../src/renders/render-list.js';
import { renderFailureLog } from '../src/mcp/render-log.js';

export function registerWaitForRendersTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'wait_for_renders',
    title: 'Wait for renders',
    description:
      'Waits until the renders are all finished (done/error/failed) or waitSeconds pass, with one progress stream; returns done, total and a row each (as list_renders). ' +
      `Call again with unfinished ids. preview final: a ${SMALL_PREVIEW_SIDE} px poster per done render.`,
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {
      renderIds: z.array(z.string()).meta({ minItems: 1, maxItems: LIMITS.mcpMaxItems }),
      waitSeconds: z.number().min(0).max(MAX_WAIT_SECONDS).meta({ default: MAX_WAIT_SECONDS }).optional(),
      preview: z.enum(PREVIEW_MODES).optional(),
    },
    output: { done: z.number(), total: z.number(), renders: z.array(compactRenderOutput) },
    run: async ({ renderIds, waitSeconds = MAX_WAIT_SECONDS, preview: mode }, caller, extra) => {
      const { context } = session;
      if (renderIds.length === 0 || renderIds.length > LIMITS.mcpMaxItems) throw new RenderbayError('invalid_request', `renderIds takes 1 to ${LIMITS.mcpMaxItems} ids`, 400);
      const ids = [...new Set(renderIds)];
      let found = compactRendersById(context, caller.account.id, ids);
      // Over HTTP there is no connection to log on between requests: failures seen while waiting are logged on this one.
      const logFailures = session.transport === 'http' ? renderFailureLog((params) => extra.sendNotification({ method: 'notifications/message', params })) : null;
      await waitForAll(() => (found = compactRendersById(context, caller.account.id, ids)).compact, {
        waitSeconds,
        extra,
        onChange: async () => logFailures?.(found.rows),
      });
      const content: ContentBlock[] = [];
      for (const [index, render] of found.compact.entries()) {
        const poster = wantsPreview(mode, render.status) ? storedAssetPath(context, found.rows[index], 'poster') : null;
        if (!poster) continue;
        const image = await renderPreview(poster, SMALL_PREVIEW_SIDE);
        content.push({ type: 'text', text: `Poster of ${render.id} (${render.modelTitle}, ${render.aspect}):` }, { type: 'image', data: image.data, mimeType: image.mimeType });
      }
      const combined = combinedProgress(found.compact);
      const unfinished = found.compact.filter((render) => !['done', 'error', 'failed'].includes(render.status)).map((render) => render.id);
      return {
        data: { done: combined.done, total: combined.total, renders: found.compact },
        summary: `${combined.message}.${unfinished.length ? ` Unfinished: ${unfinished.join(', ')} — wait again.` : ' Files: download_render.'}`,
        content,
      };
    },
  });
}
