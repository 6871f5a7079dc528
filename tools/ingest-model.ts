/** ingest_model: a model from a URL (or, over stdio, a local file) → the same path as POST /v1/models/ingest and uploads. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RenderbayError } from '../src/errors.js';
import { LIMITS } from '../src/limits.js';
import { copyLocalFile } from '../src/mcp/local-file.js';
import { defineTool } from '../src/mcp/define-tool.js';
import { modelOutput, renderSettingsArgument, resultObject } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { importFetchedModel, importModelFromUrl } from '../src/models/model-import.js';
import { findModelRow, toModelItem, updateModel } from '../src/models/model-service.js';

export function registerIngestModelTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'ingest_model',
    title: 'Import a 3D model',
    description:
      `Import a GLB/glTF model (≤ ${LIMITS.maxModelBytes / (1024 * 1024)} MB) from ${stdio ? 'a local file (path) or ' : ''}an http(s) URL, optionally with title, sku and tags. ` +
      'Returns modelId at once, plus renderId: every new model gets a free preview render that checks it (poll get_render). ' +
      'The same file again returns the existing model (duplicate: true). With renderSettings a paid render is queued too. ' +
      'Next: quote, then create_render or create_batch_renders.',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    input: {
      url: z.string().describe('http(s) URL of a .glb or .gltf file').optional(),
      path: z
        .string()
        .describe(stdio ? 'Absolute path (or ~/…) of a .glb or .gltf file on this machine, inside the allowed roots' : 'Not available over HTTP (the server cannot read your disk): use url')
        .optional(),
      title: z.string().nullable().describe('Display title (≤ 200 characters)').optional(),
      sku: z.string().nullable().describe('Product SKU (≤ 100 characters)').optional(),
      tags: z.array(z.string()).describe('Tags (≤ 20; lowercased and trimmed), e.g. ["client-acme"]').optional(),
      renderSettings: renderSettingsArgument.optional(),
    },
    output: { modelId: z.string(), renderId: z.string(), duplicate: z.boolean(), model: resultObject(modelOutput) },
    run: async ({ url, path, title, sku, tags, renderSettings }, caller) => {
      const { context } = session;
      const accountId = caller.account.id;
      if (path !== undefined && url !== undefined) throw new RenderbayError('invalid_request', 'Give url or path, not both', 400);
      if (path !== undefined && !stdio) {
        throw new RenderbayError('path_not_allowed', 'path is only available to a local (stdio) client: the server cannot read your disk. Use url', 400);
      }
      const created =
        path === undefined
          ? await importModelFromUrl(context, accountId, url, renderSettings)
          : await importFetchedModel(context, accountId, renderSettings, async () => {
              const file = await copyLocalFile(session, path, LIMITS.maxModelBytes, 'use url');
              return { path: file.path, sha256: file.sha256, size: file.bytes, originalName: file.filename };
            });
      const patch = Object.fromEntries(Object.entries({ title, sku, tags }).filter(([, value]) => value !== undefined));
      const model = Object.keys(patch).length > 0 ? updateModel(context, accountId, created.modelId, patch) : toModelItem(findModelRow(context, accountId, created.modelId));
      return {
        data: { ...created, model },
        summary: `${created.duplicate ? 'Already imported' : 'Imported'} ${model.originalName} as model ${created.modelId}; render ${created.renderId} (poll it with get_render).`,
      };
    },
  });
}
