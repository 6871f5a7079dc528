/**
 * A render's files as MCP resources: `renderbay://renders/{renderId}/{asset}` (asset:
 * video, web, thumb, poster, posterFull, dataset). resources/read returns the bytes (base64 blob)
 * for files up to MAX_RESOURCE_BYTES; larger ones are refused with a pointer to
 * `download_render`, whose paths and URLs have no such limit.
 */
import { readFile } from 'node:fs/promises';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { errorEnvelope, RenderbayError } from '../errors.js';
import { ASSET_TYPES, assetType, requireRenderAsset } from '../renders/render-assets.js';
import { findRenderRow } from '../renders/render-service.js';
import { RESOURCE_URI_TEMPLATE } from './render-files.js';
import { SETTINGS_DOCS_URI } from './schemas.js';
import type { McpSession } from './session.js';
import { renderSettingsDocs } from './settings-docs.js';

/** Largest file returned inline (a base64 blob in one JSON-RPC message). */
export const MAX_RESOURCE_BYTES = 8 * 1024 * 1024;

/** JSON-RPC error code the MCP specification gives "resource not found". */
const RESOURCE_NOT_FOUND = -32002;

export function registerRenderResources(server: McpServer, session: McpSession): void {
  server.registerResource(
    'render-settings',
    SETTINGS_DOCS_URI,
    { title: 'Render settings reference', description: 'Every render setting with its meaning, range and default; prices; render statuses.', mimeType: 'text/markdown' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: renderSettingsDocs() }] }),
  );
  server.registerResource(
    'render-file',
    new ResourceTemplate(RESOURCE_URI_TEMPLATE, {
      list: undefined, // every file of every render would be a long list; download_render names them
      complete: { asset: () => Object.keys(ASSET_TYPES) },
    }),
    {
      title: 'Render file',
      description: `A file of a render: video, web, thumb (MP4), poster, posterFull (PNG), dataset (ZIP). Read returns the bytes for files up to ${MAX_RESOURCE_BYTES / (1024 * 1024)} MB.`,
    },
    async (uri, variables) => {
      try {
        const caller = session.authorize('read');
        const renderId = decodeURIComponent(String(variables.renderId));
        const name = decodeURIComponent(String(variables.asset));
        const row = findRenderRow(session.context, caller.account.id, renderId);
        const { name: assetName, asset } = requireRenderAsset(session.context.store, row, name);
        if (asset.size > MAX_RESOURCE_BYTES) {
          throw new RenderbayError(
            'resource_too_large',
            `The ${name} of render ${row.id} is ${(asset.size / (1024 * 1024)).toFixed(1)} MB, over the ${MAX_RESOURCE_BYTES / (1024 * 1024)} MB inline limit: use download_render for its path or URL`,
            413,
          );
        }
        const bytes = await readFile(session.context.store.pathOf(asset.key));
        return { contents: [{ uri: uri.href, mimeType: assetType(assetName, asset).contentType, blob: bytes.toString('base64') }] };
      } catch (error) {
        // resources/read has no isError result: a failure is a JSON-RPC error carrying the REST envelope.
        const envelope = errorEnvelope(error, session.log);
        const code = envelope.status === 404 ? RESOURCE_NOT_FOUND : envelope.status < 500 ? ErrorCode.InvalidParams : ErrorCode.InternalError;
        throw new McpError(code, `${envelope.code}: ${envelope.message}`, envelope);
      }
    },
  );
}
