/** get_render: GET /v1/renders/:id, optionally waiting with progress, with an inline poster preview when asked. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { storedAssetPath } from '../src/mcp/render-files.js';
import { PREVIEW_DEFAULTS, PREVIEW_MODES, renderPreview, wantsPreview } from '../src/mcp/render-preview.js';
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
      'One render in full; status error = failed and refunded, failed = an error dismissed. ' +
      `waitSeconds waits, with progress. For several use wait_for_renders. preview attaches the poster (≤ ${PREVIEW_DEFAULTS.maxSide} px).`,
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: {
      renderId: idArgument(),
      waitSeconds: z.number().min(0).max(MAX_WAIT_SECONDS).optional(),
      preview: z.enum(PREVIEW_MODES).meta({ default: 'none' }).optional(),
    },
    output: { ...renderOutput, preview: resultObject({ width: z.number(), height: z.number() }).nullable() },
    run: async ({ renderId, waitSeconds, preview: mode }, caller, extra) => {
      const { context } = session;
      // The row the answer is made of: the preview is the poster of exactly the state reported.
      let row: RenderRow;
      const read = () => toRenderItem((row = findRenderRow(context, caller.account.id, renderId)));
      const render = waitSeconds ? await waitForRender(read, { waitSeconds, signal: extra.signal, onUpdate: progressReporter(extra) }) : read();
      const poster = wantsPreview(mode, render.status) ? storedAssetPath(context, row!, 'poster') : null;
      const content: ContentBlock[] = [];
      let preview = null;
      // A stills render shows every still, small (the first is its poster); others their poster.
      const stills = poster ? stillAssets(renderAssets(row!)).filter(({ asset }) => context.store.has(asset.key)) : [];
      const images = stills.length > 0 ? await Promise.all(stills.map(({ asset }) => renderPreview(context.store.pathOf(asset.key), PREVIEW_DEFAULTS.stillSide))) : poster ? [await renderPreview(poster)] : [];
      for (const image of images) content.push({ type: 'image', data: image.data, mimeType: image.mimeType });
      if (images[0]) preview = { mimeType: images[0].mimeType, width: images[0].width, height: images[0].height, bytes: images[0].bytes };
      const next = render.status === 'done' ? ' Files: download_render.' : render.status === 'error' || render.status === 'failed' ? '' : ' Not finished: wait again.';
      return {
        data: { ...render, preview },
        summary: `Render ${render.id}: ${describeProgress(render)}${render.errorCode ? ` — ${render.errorCode}: ${render.errorMessage}` : ''}.${next}`,
        content,
      };
    },
  });
}
