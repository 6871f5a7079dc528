/** export_usdz: GET /v1/models/:id/usdz — a model as a USDZ package for AR Quick Look, with what it could not carry. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { copyToClientDirectory } from '../src/mcp/local-file.js';
import { idArgument, localDirectoryArgument } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { modelUsdz } from '../src/models/model-usdz.js';

export function registerExportUsdzTool(server: McpServer, session: McpSession): void {
  const stdio = session.transport === 'stdio';
  defineTool(server, session, {
    name: 'export_usdz',
    title: 'Export a model as USDZ (AR)',
    description:
      'The model as a USDZ for AR Quick Look (iOS, macOS); warnings lists what USDZ cannot carry (animation, skins, variants…). ' +
      (stdio ? 'Returns its local path; directory copies it.' : 'Returns a URL needing the same Bearer key.'),
    scope: 'read',
    annotations: { readOnlyHint: !stdio, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    input: { modelId: idArgument('Model id (from ingest_model or list_models)') },
    localInput: { directory: localDirectoryArgument.optional() },
    output: {
      modelId: z.string(),
      fileName: z.string(),
      contentType: z.string(),
      size: z.number(),
      sha256: z.string(),
      warnings: z.array(z.string()),
      // A local path over stdio, an authenticated URL over HTTP.
      ...(stdio ? { path: z.string().optional() } : { url: z.string().optional() }),
    },
    run: async (args, caller) => {
      const { modelId, directory } = args as typeof args & { directory?: string };
      const usdz = await modelUsdz(session.context, caller.account.id, modelId);
      let localPath: string | undefined = stdio ? usdz.path : undefined;
      if (directory !== undefined) {
        [localPath] = await copyToClientDirectory(session, directory, [{ source: usdz.path, name: usdz.name }], 'download the URL instead');
      }
      const url = !stdio && session.apiUrl ? session.apiUrl(`/models/${encodeURIComponent(String(modelId))}/usdz`) : undefined;
      return {
        data: {
          modelId: String(modelId),
          fileName: usdz.name,
          contentType: 'model/vnd.usdz+zip',
          size: usdz.size,
          sha256: usdz.sha256,
          warnings: usdz.warnings,
          ...(localPath ? { path: localPath } : {}),
          ...(url ? { url } : {}),
        },
        summary:
          `USDZ of model ${modelId}: ${usdz.name}, ${usdz.size} bytes${localPath ? ` at ${localPath}` : url ? ` at ${url}` : ''}` +
          (usdz.warnings.length > 0 ? `. Not carried: ${usdz.warnings.join('; ')}` : '.'),
      };
    },
  });
}
