/**
 * generate_model: a prompt (or an image) → a Renderbay model through the configured
 * providers (POST /v1/generations). Listed only when an image-to-3D provider is configured.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { getGeneration, startGeneration, whenGenerationFinished } from '../src/generation/generation-service.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { waitReportingProgress } from '../src/mcp/generation-wait.js';
import { MAX_WAIT_SECONDS } from '../src/mcp/render-wait.js';
import type { McpSession } from '../src/mcp/session.js';

export function registerGenerateModelTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'generate_model',
    title: 'Generate a 3D model',
    description: `Prompt or image (base64) → model via the configured providers (paid; quote {generation:"model"}). Waits ≤${MAX_WAIT_SECONDS} s, progress by stage; call again with generationId to keep waiting. Then use modelId like any model.`,
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    input: {
      prompt: z.string().optional(),
      imageBase64: z.string().optional(),
      generationId: z.string().optional(),
    },
    output: { id: z.string(), status: z.string(), stage: z.string(), progress: z.number(), modelId: z.string().nullable(), error: z.string().nullable() },
    run: async ({ prompt, imageBase64, generationId }, caller, extra) => {
      const accountId = caller.account.id;
      const started =
        generationId === undefined
          ? startGeneration(session.context, accountId, { prompt, image: imageBase64 === undefined ? undefined : Buffer.from(imageBase64, 'base64') })
          : getGeneration(session.context, accountId, generationId);
      const item = await waitReportingProgress(
        extra,
        MAX_WAIT_SECONDS,
        (timeoutMs, signal) => whenGenerationFinished(session.context, accountId, started.id, timeoutMs, signal),
        (current) => current.status === 'complete' || current.status === 'error',
        (current) => ({ percent: current.progress, message: `${current.stage}, ${current.progress}%` }),
      );
      const { id, status, stage, progress, modelId, error } = item;
      const summary =
        status === 'complete'
          ? `Generation ${id} complete: model ${modelId} (render it like any model).`
          : status === 'error'
            ? `Generation ${id} failed: ${error} (credits refunded).`
            : `Generation ${id} ${stage}, ${progress}%: call generate_model with generationId "${id}" to keep waiting.`;
      return { data: { id, status, stage, progress, modelId, error }, summary };
    },
  });
}
