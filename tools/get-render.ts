/** get_render: GET /v1/renders/:id, optionally waiting with progress, plus an inline poster preview. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { storedAssetPath } from '../src/mcp/render-files.js';
import { renderPreview, PREVIEW_DEFAULTS } from '../src/mcp/render-preview.js';
import { describeProgress, MAX_WAIT_SECONDS, progressReporter, waitForRender } from '../src/mcp/render-wait.js';
import { idArgument, renderOutput, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { renderAssets, stillAssets } from '../src/renders/render-assets.js';
import { findRenderRow, toRenderItem, type RenderRow } from '../src/renders/render-service.js';

export function registerGetRenderTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'get_render',
    title: 'Get a render',
    description:
      'Status of a render: pending → poster-processing → poster-done → video-processing → done (or error, with errorCode and errorMessage; its credits are refunded), with progress 0–100 and stage. ' +
      `Set waitSeconds (≤ ${MAX_WAIT_SECONDS}) to wait for it to finish; progress notifications are sent meanwhile if you pass a progressToken. Call again if it is not done yet. ` +
      `Once the poster exists the result includes a small JPEG preview (≤ ${PREVIEW_DEFAULTS.maxSide} px; stills: each still ≤ ${PREVIEW_DEFAULTS.stillSide} px) so you can see the render. Then use download_render for the files.`,
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {
      renderId: idArgument('Render id'),
      waitSeconds: z.number().min(0).max(MAX_WAIT_SECONDS).describe(`Wait up to this long for the render to finish (0–${MAX_WAIT_SECONDS}, default 0: answer at once)`).optional(),
    },
    output: { ...renderOutput, preview: resultObject({ mimeType: z.string(), width: z.number(), height: z.number(), bytes: z.number() }).nullable().describe('The inline JPEG preview attached as an image block, once the poster exists') },
    run: async ({ renderId, waitSeconds }, caller, extra) => {
      const { context } = session;
      // The row the answer is made of: the preview is the poster of exactly the state reported.
      let row: RenderRow;
      const read = () => toRenderItem((row = findRenderRow(context, caller.account.id, renderId)));
      const render = waitSeconds ? await waitForRender(read, { waitSeconds, signal: extra.signal, onUpdate: progressReporter(extra) }) : read();
      const poster = storedAssetPath(context, row!, 'poster');
      const content: ContentBlock[] = [];
      let preview = null;
      // A stills render shows every still, small (the first is its poster); others their poster.
      const stills = stillAssets(renderAssets(row!)).filter(({ asset }) => context.store.has(asset.key));
      const images = stills.length > 0 ? await Promise.all(stills.map(({ asset }) => renderPreview(context.store.pathOf(asset.key), PREVIEW_DEFAULTS.stillSide))) : poster ? [await renderPreview(poster)] : [];
      for (const image of images) content.push({ type: 'image', data: image.data, mimeType: image.mimeType });
      if (images[0]) preview = { mimeType: images[0].mimeType, width: images[0].width, height: images[0].height, bytes: images[0].bytes };
      const next = render.status === 'done' ? ' Files: download_render.' : render.status === 'error' || render.status === 'failed' ? '' : ' Not finished: call get_render again with waitSeconds.';
      return {
        data: { ...render, preview },
        summary: `Render ${render.id}: ${describeProgress(render)}${render.errorCode ? ` — ${render.errorCode}: ${render.errorMessage}` : ''}.${next}`,
        content,
      };
    },
  });
}
