/**
 * How a fetched file becomes a model, for every way of fetching one: POST /v1/models/ingest
 * and ingest_model (a URL), and ingest_model over stdio (a local file). The render settings
 * are checked before a byte is fetched, and the fetch runs within the account's upload
 * slots (`upload_limit`), like a multipart upload.
 */
import { withUploadSlot } from '../api/upload-slots.js';
import type { AppContext } from '../context.js';
import { downloadToFile } from '../ingest/url-download.js';
import { parseSettingsField } from '../renders/render-service.js';
import { createModelFromFile, type CreatedModel, type IncomingModelFile } from './model-service.js';

export async function importFetchedModel(
  context: AppContext,
  accountId: string,
  renderSettings: unknown,
  fetch: () => Promise<IncomingModelFile>,
): Promise<CreatedModel> {
  if (renderSettings !== undefined) parseSettingsField(context, accountId, renderSettings);
  return withUploadSlot(context, accountId, async () => createModelFromFile(context, accountId, await fetch(), renderSettings));
}

/** A .glb or .gltf downloaded from a public http(s) URL (private addresses only when the server allows them). */
export function importModelFromUrl(context: AppContext, accountId: string, url: unknown, renderSettings: unknown): Promise<CreatedModel> {
  return importFetchedModel(context, accountId, renderSettings, async () => {
    const file = await downloadToFile(url, context.store.tempDirectory, { allowPrivate: context.config.allowPrivateUrls });
    return { path: file.path, sha256: file.sha256, size: file.bytes, originalName: file.filename, onlyGltf: true };
  });
}
