/**
 * restyle_image: an image → a restyled image (refine, enhance, staging) or a video, through
 * the configured image-to-image / image-to-video provider (POST /v1/restyles). Listed only
 * when one of them is configured.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { getRestyle, RESTYLE_KINDS, startRestyle, whenRestyleFinished, type RestyleItem } from '../src/generation/generation-service.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { confirmSpending } from '../src/mcp/spending-guard.js';
import { waitReportingProgress } from '../src/mcp/generation-wait.js';
import { MAX_WAIT_SECONDS } from '../src/mcp/render-wait.js';
import type { McpSession } from '../src/mcp/session.js';

export function registerRestyleImageTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'restyle_image',
    title: 'Restyle image',
    // Kept short: tools/list has a byte budget (test/mcp-prompts.test.ts). A style goes in the prompt.
    description: `Base64 image → restyled image/video (paid); waits ≤${MAX_WAIT_SECONDS} s, repeat with id.`,
    scope: 'write',
    annotations: { destructiveHint: false },
    input: {
      kind: z.enum(RESTYLE_KINDS).optional(),
      image: z.string().optional(),
      prompt: z.string().optional(),
      id: z.string().optional(),
    },
    output: { id: z.string(), status: z.string(), error: z.string().nullable(), creditsUsed: z.number() },
    advertiseOutput: false,
    run: async ({ kind, image: imageBase64, prompt, id: restyleId }, caller, extra) => {
      const accountId = caller.account.id;
      // A new restyle is paid: above --confirm-above (stdio) the user confirms it first, as for renders.
      if (restyleId === undefined) await confirmSpending(server, session, extra, caller, [{ renderSettings: { restyle: kind ?? 'refine' }, label: 'restyle' }]);
      const started =
        restyleId === undefined
          ? startRestyle(session.context, accountId, { kind: kind ?? 'refine', image: Buffer.from(imageBase64 ?? '', 'base64'), prompt })
          : getRestyle(session.context, accountId, restyleId);
      const item = await waitReportingProgress<RestyleItem>(
        extra,
        MAX_WAIT_SECONDS,
        (_last, timeoutMs, signal) => whenRestyleFinished(session.context, accountId, started.id, timeoutMs, signal),
        (current) => current.status === 'completed' || current.status === 'failed',
        (current) => ({ percent: current.status === 'completed' || current.status === 'failed' ? 100 : current.status === 'processing' ? 10 : 0, message: current.status }),
      );
      const { output, ...rest } = item;
      // A local path over stdio; over HTTP the output's authenticated URL.
      const where = output ? (stdio ? { path: output.path } : session.apiUrl ? { url: session.apiUrl(`/restyles/${item.id}/output`) } : {}) : {};
      const data = { ...rest, ...(output ? { contentType: output.contentType, ...where } : {}) };
      const summary =
        item.status === 'completed'
          ? `Restyle ${item.id} completed: ${output?.contentType}${'path' in where ? ` at ${where.path}` : 'url' in where ? ` at ${where.url}` : ''}.`
          : item.status === 'failed'
            ? `Restyle ${item.id} failed: ${item.error} (credits refunded).`
            : `Restyle ${item.id} ${item.status}: call restyle_image with id "${item.id}" to keep waiting.`;
      return { data, summary };
    },
  });
}
