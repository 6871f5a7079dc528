/**
 * The lifecycle tools, one adapter each over what REST already offers: delete_render
 * (DELETE /v1/renders/:id), dismiss_render (PATCH /v1/renders/:id/dismiss), retry_render
 * (POST /v1/renders/:id/retry), archive_model
 * and unarchive_model (PATCH /v1/models/:id/archive|unarchive), delete_model
 * (DELETE /v1/models/:id) and delete_overlay (DELETE /v1/overlays/:id).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument, renderStatus } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { deleteModel, setModelArchived } from '../src/models/model-service.js';
import { deleteOverlay } from '../src/overlays/overlay-service.js';
import { deleteRender, dismissRender, retryRender } from '../src/renders/render-service.js';

const deletedOutput = { id: z.string(), deleted: z.literal(true) };
/** Deleting removes something for good; doing it again changes nothing more (it answers not_found). */
const DELETES = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
const MARKS = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export function registerLifecycleTools(server: McpServer, session: McpSession): void {
  defineDeleteTool(server, session, 'delete_render', 'Delete a render', 'Deletes a render and its files. An unfinished one is cancelled and refunded.', 'renderId', 'Render', deleteRender);
  defineTool(server, session, {
    name: 'dismiss_render',
    title: 'Dismiss a failed render',
    description: 'Acknowledges a render in status error (already refunded): it becomes failed.',
    scope: 'write',
    annotations: MARKS,
    input: { renderId: idArgument() },
    output: { id: z.string(), status: renderStatus },
    advertiseOutput: false,
    run: ({ renderId }, caller) => {
      const render = dismissRender(session.context, caller.account.id, renderId);
      return { data: render, summary: `Render ${render.id} dismissed (failed).` };
    },
  });
  defineTool(server, session, {
    name: 'retry_render',
    title: 'Retry a render',
    description: 'Re-runs an error or failed render (same id); charges again.',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false }, // not idempotent (the default): each retry charges
    input: { renderId: idArgument() },
    output: { id: z.string(), status: renderStatus },
    advertiseOutput: false,
    run: async ({ renderId }, caller) => {
      const render = await retryRender(session.context, caller.account.id, renderId);
      return { data: render, summary: `Render ${render.id} queued again (attempt ${render.attempt}, ${render.credits} credits).` };
    },
  });
  for (const archived of [true, false]) {
    defineTool(server, session, {
      name: archived ? 'archive_model' : 'unarchive_model',
      title: archived ? 'Archive a model' : 'Unarchive a model',
      description: archived
        ? 'Hides a model from list_models; its renders stay.'
        : 'Shows an archived model in list_models again.',
      scope: 'write',
      annotations: MARKS,
      input: { modelId: idArgument() },
      output: { id: z.string(), archived: z.boolean() },
      advertiseOutput: false,
      run: ({ modelId }, caller) => {
        const model = setModelArchived(session.context, caller.account.id, modelId, archived);
        return { data: model, summary: `Model ${model.id} ${archived ? 'archived' : 'unarchived'}.` };
      },
    });
  }
  defineDeleteTool(server, session, 'delete_model', 'Delete a model', 'Deletes a model and its preview render; its other renders stay readable.', 'modelId', 'Model', deleteModel);
  defineDeleteTool(server, session, 'delete_overlay', 'Delete an overlay', 'Deletes one of your overlay images; finished renders keep their files.', 'overlayId', 'Overlay', deleteOverlay);
}

type DeleteFunction = (context: McpSession['context'], accountId: string, id: string) => Promise<{ id: string; deleted: true }>;

/** A delete tool: one id argument, the service's delete, an acknowledgement `{ id, deleted }`. */
function defineDeleteTool(server: McpServer, session: McpSession, name: string, title: string, description: string, idName: string, what: string, remove: DeleteFunction): void {
  defineTool(server, session, {
    name,
    title,
    description,
    scope: 'write',
    annotations: DELETES,
    input: { [idName]: idArgument() },
    output: deletedOutput,
    advertiseOutput: false,
    run: async (args, caller) => {
      const result = await remove(session.context, caller.account.id, args[idName] as string);
      return { data: result, summary: `${what} ${result.id} deleted.` };
    },
  });
}
