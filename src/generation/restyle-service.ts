/**
 * Restyles: an image sent to the image-to-image provider (3Dimensions' `refine`, `enhance`,
 * `staging`) or the image-to-video provider (`video`). The result is checked before it is
 * kept — an image must decode (kept as JPEG), a video must be an MP4 — and the credits
 * reserved at the start are refunded once if anything fails. The 3Dimensions surface and
 * the MCP tool `restyle_image` read the same rows.
 *
 * ```ts
 * const started = startRestyle(context, accountId, { kind: 'refine', image, prompt: 'warm evening light' });
 * const done = await whenRestyleFinished(context, accountId, started.id, 300_000);
 * ```
 */
import { findOwnedRow } from '../db/statements.js';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../context.js';
import { restylePrice } from '../credits/prices.js';
import { RenderbayError } from '../errors.js';
import { nowIso } from '../ids.js';
import { LIMITS } from '../limits.js';
import { assertProviderConfigured, requireProvider } from '../providers/provider-registry.js';
import type { SourceImage } from '../providers/provider-types.js';
import { storeAndReference } from '../storage/file-references.js';
import { assertInputImage, toJpeg } from './generation-image.js';
import { failJob, failureMessage, insertReservedJob, isStale, runProviderWork } from './provider-job.js';
import { announceChange, whenSettled } from './settle-wait.js';

export const RESTYLE_KINDS = ['refine', 'enhance', 'staging', 'video'] as const;
export type RestyleKind = (typeof RESTYLE_KINDS)[number];

export interface RestyleItem {
  id: string;
  kind: RestyleKind;
  status: 'queued' | 'processing' | 'completed' | 'failed';
  error: string | null;
  /** Credits this restyle costs (0 once refunded after a failure). */
  creditsUsed: number;
  createdAt: string;
  /** The result once completed: a JPEG, or an MP4 for `video`. */
  output: { path: string; contentType: string } | null;
}

interface RestyleRow {
  id: string;
  account_id: string;
  kind: RestyleKind;
  prompt: string | null;
  architectural_style: string | null;
  status: RestyleItem['status'];
  error: string | null;
  credits: number;
  refunded: number;
  output_key: string | null;
  output_type: string | null;
  heartbeat_at: number;
  created_at: string;
}

export interface RestyleInput {
  kind: RestyleKind;
  image: Buffer;
  prompt?: string;
  architecturalStyle?: string;
}

function optionalText(value: unknown, field: string, maxLength: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new RenderbayError('invalid_request', `${field} must be a string`);
  if (value.length > maxLength) throw new RenderbayError('invalid_request', `${field} is longer than ${maxLength} characters`);
  return value.trim() === '' ? null : value.trim();
}

/**
 * Starts a restyle and returns it queued. Refused before anything is reserved:
 * `invalid_request` (400), `provider_not_configured` (503), `no_credits` (402).
 */
export function startRestyle(context: AppContext, accountId: string, input: RestyleInput): RestyleItem {
  const { kind } = input;
  if (!RESTYLE_KINDS.includes(kind)) throw new RenderbayError('invalid_request', `kind must be one of: ${RESTYLE_KINDS.join(', ')}`);
  const image = assertInputImage(input.image);
  const prompt = optionalText(input.prompt, 'prompt', LIMITS.maxGenerationPromptLength);
  const architecturalStyle = optionalText(input.architecturalStyle, 'architectural_style', LIMITS.maxArchitecturalStyleLength);
  assertProviderConfigured(kind === 'video' ? 'image-to-video' : 'image-to-image');
  const id = insertReservedJob(context.db, 'restyles', accountId, restylePrice(kind).credits, { kind, prompt, architectural_style: architecturalStyle, status: 'queued' });
  void runRestyle(context, id, { kind, image, prompt, architecturalStyle });
  return getRestyle(context, accountId, id);
}

function findRestyleRow(context: Pick<AppContext, 'db'>, accountId: string, id: unknown): RestyleRow {
  return findOwnedRow<RestyleRow>(context.db, 'restyles', accountId, id, () => new RenderbayError('restyle_not_found', 'Restyle not found', 404));
}

/** A restyle of this account (`restyle_not_found`, 404, otherwise); one whose process stopped is failed and refunded here. */
export function getRestyle(context: Pick<AppContext, 'db' | 'store'>, accountId: string, id: unknown): RestyleItem {
  let row = findRestyleRow(context, accountId, id);
  if ((row.status === 'queued' || row.status === 'processing') && isStale(row.heartbeat_at)) {
    failRestyle(context, row.id, 'Interrupted: the server stopped while restyling (credits refunded)');
    row = findRestyleRow(context, accountId, id);
  }
  const outputPath = row.output_key && context.store.has(row.output_key) ? context.store.pathOf(row.output_key) : null;
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    error: row.error,
    creditsUsed: row.refunded === 1 ? 0 : row.credits,
    createdAt: row.created_at,
    output: row.status === 'completed' && outputPath && row.output_type ? { path: outputPath, contentType: row.output_type } : null,
  };
}

/** The restyle once completed or failed, or as it stands when `timeoutMs` passes or `signal` aborts. */
export function whenRestyleFinished(context: AppContext, accountId: string, id: string, timeoutMs: number, signal?: AbortSignal): Promise<RestyleItem> {
  return whenSettled(id, () => getRestyle(context, accountId, id), (item) => item.status === 'completed' || item.status === 'failed', timeoutMs, signal);
}

function failRestyle(context: Pick<AppContext, 'db'>, id: string, message: string): void {
  failJob(context.db, 'restyles', id, message);
}

async function runRestyle(context: AppContext, id: string, input: Omit<RestyleInput, 'prompt' | 'architecturalStyle'> & { prompt: string | null; architecturalStyle: string | null }): Promise<void> {
  try {
    await runProviderWork(context, 'restyles', id, async (call) => {
      context.db.prepare("UPDATE restyles SET status = 'processing', heartbeat_at = ?, updated_at = ? WHERE id = ? AND status = 'queued'").run(Date.now(), nowIso(), id);
      announceChange(id);
      const providerOptions = { allowPrivate: context.config.allowPrivateUrls };
      // Every provider takes JPEG; the input is normalised once (and proven an image).
      const source: SourceImage = { bytes: await toJpeg(input.image, 'The image given'), contentType: 'image/jpeg' };
      let output: { file: string; contentType: string };
      if (input.kind === 'video') {
        const video = await requireProvider('image-to-video', providerOptions).animateImage(source, input.prompt, call);
        await assertMp4(video);
        output = { file: video, contentType: 'video/mp4' };
      } else {
        const restyled = await requireProvider('image-to-image', providerOptions).restyleImage(
          source,
          { kind: input.kind, prompt: input.prompt, architecturalStyle: input.architecturalStyle },
          call,
        );
        const file = path.join(call.workDirectory, 'restyled.jpg');
        await writeFile(file, await toJpeg(restyled, 'The image the image-to-image provider returned'));
        output = { file, contentType: 'image/jpeg' };
      }
      await storeAndReference(context, [{ path: output.file }], ([stored]) => {
        context.db
          .prepare("UPDATE restyles SET status = 'completed', output_key = ?, output_type = ?, updated_at = ? WHERE id = ? AND status = 'processing'")
          .run(stored.key, output.contentType, nowIso(), id);
      });
      announceChange(id);
    });
  } catch (error) {
    failRestyle(context, id, failureMessage(error));
  }
}

/** An ISO base-media file (MP4) starts with an `ftyp` box: anything else is not the video asked for. */
async function assertMp4(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    if (head.subarray(4, 8).toString('latin1') !== 'ftyp') {
      throw new RenderbayError('invalid_video', 'The image-to-video provider returned something that is not an MP4 video', 502);
    }
  } finally {
    await handle.close();
  }
}
