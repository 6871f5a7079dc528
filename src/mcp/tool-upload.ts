/**
 * The file an upload tool receives (upload_overlay, upload_environment): exactly one of a
 * `url` (downloaded as URL ingest downloads: address guard, redirects re-checked, size and
 * time limits), inline `base64` + `filename` (≤ LIMITS.mcpInlineFileBytes), or — stdio
 * only — a local `path` inside the allowed roots. The file is copied into the store's temp
 * directory within the account's upload slots, as a REST multipart upload is, and handed
 * to the same service function the REST route calls, which consumes it.
 *
 * ```ts
 * input: { ...uploadArguments, name: z.string().optional() },
 * localInput: localUploadArgument,
 * run: (args, caller) => receiveToolUpload(session, caller.account.id, args, MAX_BYTES, (file) => createThing(context, caller.account.id, file, {})),
 * ```
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import nodePath from 'node:path';
import { z } from 'zod';
import { withUploadSlot } from '../api/upload-slots.js';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { hashFile } from '../storage/file-store.js';
import { copyLocalFile, type LocalFile } from './local-file.js';
import { localPathArgument } from './schemas.js';
import type { McpSession } from './session.js';

export const uploadArguments = {
  url: z.string().optional(),
  base64: z.string().optional(),
  filename: z.string().describe('With base64').optional(),
};

/** The stdio-only `path` argument (see ToolDefinition.localInput). */
export const localUploadArgument = { path: localPathArgument.optional() };

/** The sources in a tool description: "from a url (≤ 10 MB) or base64 + filename (≤ 2 MB)[ or a local path]". */
export function uploadSources(session: McpSession, maxBytes: number): string {
  return `from a url (≤ ${megabytes(maxBytes)} MB) or base64 + filename (≤ ${megabytes(LIMITS.mcpInlineFileBytes)} MB)${session.transport === 'stdio' ? ' or a local path' : ''}`;
}

export interface UploadSource {
  url?: string;
  base64?: string;
  filename?: string;
  path?: string;
}

/** Receives the one source given (at most `maxBytes`, base64 at most the inline limit) and hands the temp file to `work`. */
export async function receiveToolUpload<T>(session: McpSession, accountId: string, source: UploadSource, maxBytes: number, work: (file: LocalFile) => Promise<T>): Promise<T> {
  const { url, base64, filename, path } = source;
  const stdio = session.transport === 'stdio';
  if ([url, base64, path].filter((given) => given !== undefined).length !== 1) {
    throw new RenderbayError('invalid_request', `Give exactly one of url, base64 (with filename)${stdio ? ', path' : ''}`, 400);
  }
  if (path !== undefined && !stdio) throw new RenderbayError('path_not_allowed', 'path is only available to a local (stdio) client: give url or base64 + filename', 400);
  const { context } = session;
  return withUploadSlot(context, accountId, async () => {
    const file =
      path !== undefined
        ? await copyLocalFile(session, path, maxBytes, 'give url or base64 + filename')
        : base64 !== undefined
          ? await writeInlineFile(context, base64, filename)
          : await download(context, url!, maxBytes);
    return work(file);
  });
}

async function writeInlineFile(context: AppContext, base64: string, filename: string | undefined): Promise<LocalFile> {
  if (!filename) throw new RenderbayError('invalid_request', 'filename is required with base64 (e.g. brand.png)', 400);
  const max = LIMITS.mcpInlineFileBytes;
  // Checked on the text first, so an oversized argument is never decoded.
  if (base64.length > Math.ceil(max / 3) * 4 + 4) throw new RenderbayError('file_too_large', `base64 files are limited to ${megabytes(max)} MB: give a url instead`, 400);
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(base64)) throw new RenderbayError('invalid_request', 'base64 is not valid base64', 400);
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new RenderbayError('invalid_request', 'base64 is empty', 400);
  const copy = nodePath.join(context.store.tempDirectory, `inline-${randomUUID()}.part`);
  await writeFile(copy, bytes);
  return { path: copy, sha256: await hashFile(copy), bytes: bytes.length, filename: nodePath.basename(filename) };
}

async function download(context: AppContext, url: string, maxBytes: number): Promise<LocalFile> {
  // Loaded on first use, as the upload tools are rarely the first call of a session.
  const { downloadToFile } = await import('../ingest/url-download.js');
  const file = await downloadToFile(url, context.store.tempDirectory, { allowPrivate: context.config.allowPrivateUrls, maxBytes });
  return { path: file.path, sha256: file.sha256, bytes: file.bytes, filename: file.filename };
}

const megabytes = (bytes: number) => bytes / (1024 * 1024);
