/**
 * generate_model: a prompt (or an image) → a Renderbay model through the configured
 * providers (POST /v1/generations). Listed only when an image-to-3D provider is configured.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { getGeneration, startGeneration, whenGenerationChanges, type GenerationItem } from '../src/generation/generation-service.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { confirmSpending } from '../src/mcp/spending-guard.js';
import { waitReportingProgress } from '../src/mcp/generation-wait.js';
import { MAX_WAIT_SECONDS } from '../src/mcp/render-wait.js';
import type { McpSession } from '../src/mcp/session.js';

export function registerGenerateModelTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'generate_model',
    title: 'Generate model',
    // Kept short: tools/list has a byte budget (test/mcp-prompts.test.ts).
    description: `Prompt or base64 image → 3D model (paid); waits ≤${MAX_WAIT_SECONDS} s, repeat with id.`,
    scope: 'write',
    annotations: { destructiveHint: false },
    input: {
      prompt: z.string().optional(),
      image: z.string().optional(),
      id: z.string().optional(),
    },
    output: { id: z.string(), status: z.string(), stage: z.string(), progress: z.number(), modelId: z.string().nullable(), error: z.string().nullable() },
    advertiseOutput: false,
    run: async ({ prompt, image: imageBase64, id: generationId }, caller, extra) => {
      const accountId = caller.account.id;
      // A new generation is paid: above --confirm-above (stdio) the user confirms it first, as for renders.
      if (generationId === undefined) await confirmSpending(server, session, extra, caller, [{ renderSettings: { generation: 'model' }, label: 'generation' }]);
      const started =
        generationId === undefined
          ? startGeneration(session.context, accountId, { prompt, image: imageBase64 === undefined ? undefined : Buffer.from(imageBase64, 'base64') })
          : getGeneration(session.context, accountId, generationId);
      const item = await waitReportingProgress<GenerationItem>(
        extra,
        MAX_WAIT_SECONDS,
        (last, timeoutMs, signal) => whenGenerationChanges(session.context, accountId, started.id, last, timeoutMs, signal),
        (current) => current.status === 'complete' || current.status === 'error',
        (current) => ({ percent: current.progress, message: `${current.stage}, ${current.progress}%` }),
      );
      const { id, status, stage, progress, modelId, error } = item;
      const summary =
        status === 'complete'
          ? `Generation ${id} complete: model ${modelId} (render it like any model).`
          : status === 'error'
            ? `Generation ${id} failed: ${error} (credits refunded).`
            : `Generation ${id} ${stage}, ${progress}%: call generate_model with id "${id}" to keep waiting.`;
      return { data: { id, status, stage, progress, modelId, error }, summary };
    },
  });
}
