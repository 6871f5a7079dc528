/**
 * Overlays: background and foreground images (PNG, JPEG, WebP ≤ 10 MB) that renders can
 * use (`bgImageId`). Each account sees its own plus published system overlays, which the
 * operator publishes with `renderbay overlays publish` (through the same `createOverlay`).
 */
import { findOwnedRow } from '../db/statements.js';
import { rm } from 'node:fs/promises';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { releaseFiles, storeAndReference } from '../storage/file-references.js';
import { ALIGNMENTS } from '../settings/render-settings.js';
import { LIMITS } from '../limits.js';

export const OVERLAY_LAYERS = ['background', 'foreground'] as const;
/** An overlay's anchor takes the same nine values as a render's bgAlign. */
export const OVERLAY_ALIGNMENTS = ALIGNMENTS;
export const MAX_OVERLAY_BYTES = LIMITS.maxOverlayBytes;
const MIME_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export interface Overlay {
  id: string;
  layer: (typeof OVERLAY_LAYERS)[number];
  alignment: (typeof OVERLAY_ALIGNMENTS)[number];
  name: string;
  description: string | null;
  mimeType: string;
  width: number;
  height: number;
  fileSize: number;
  system: boolean;
  createdAt: string;
}

interface OverlayRow {
  id: string;
  account_id: string | null;
  layer: Overlay['layer'];
  alignment: Overlay['alignment'];
  name: string;
  description: string | null;
  file_key: string;
  mime_type: string;
  file_size: number;
  width: number;
  height: number;
  created_at: string;
}

const toOverlay = (row: OverlayRow): Overlay => ({
  id: row.id,
  layer: row.layer,
  alignment: row.alignment,
  name: row.name,
  description: row.description,
  mimeType: row.mime_type,
  width: row.width,
  height: row.height,
  fileSize: row.file_size,
  system: row.account_id === null,
  createdAt: row.created_at,
});

/**
 * Validates and stores an uploaded image as an overlay of `accountId`, or, with `null`, as a
 * published system overlay every account can use (the operator's `overlays publish`).
 * The temp file is consumed: moved into the store or deleted.
 */
export async function createOverlay(
  context: Pick<AppContext, 'db' | 'store'>,
  accountId: string | null,
  file: { path: string; sha256: string; bytes: number; filename: string } | null,
  fields: Record<string, string>,
): Promise<Overlay> {
  try {
    if (!file) throw new RenderbayError('no_file', 'No file: send the image as the multipart field "file"', 400);
    if (file.bytes > MAX_OVERLAY_BYTES) throw new RenderbayError('file_too_large', `${file.filename} is larger than the ${MAX_OVERLAY_BYTES / (1024 * 1024)} MB overlay limit`);
    const layer = (fields.layer ?? 'background') as Overlay['layer'];
    if (!OVERLAY_LAYERS.includes(layer)) throw new RenderbayError('invalid_request', `layer must be one of: ${OVERLAY_LAYERS.join(', ')}`);
    const alignment = (fields.alignment ?? 'top-left') as Overlay['alignment'];
    if (!OVERLAY_ALIGNMENTS.includes(alignment)) throw new RenderbayError('invalid_request', `alignment must be one of: ${OVERLAY_ALIGNMENTS.join(', ')}`);
    const name = (fields.name ?? file.filename).trim();
    if (name === '' || name.length > 100) throw new RenderbayError('invalid_request', 'name must be 1 to 100 characters');
    const description = fields.description ?? null;
    if (description !== null && description.length > 500) throw new RenderbayError('invalid_request', 'description must be at most 500 characters');
    let metadata: { format?: string; width?: number; height?: number };
    try {
      // sharp is imported here, not at the top: render-service and the job engine import this
      // module for its lookups, and loading sharp cost every `renderbay mcp` start ~150 ms.
      const { default: sharp } = await import('sharp');
      metadata = await sharp(file.path, { limitInputPixels: false }).metadata();
    } catch {
      throw new RenderbayError('invalid_format', `${file.filename} is not a PNG, JPEG or WebP image`);
    }
    const mimeType = MIME_TYPES[metadata.format ?? ''];
    if (!mimeType) throw new RenderbayError('invalid_format', `${file.filename} is ${metadata.format ?? 'not an image'}; overlays must be PNG, JPEG or WebP`);
    if (!metadata.width || !metadata.height || metadata.width > 16384 || metadata.height > 16384) {
      throw new RenderbayError('invalid_format', `${file.filename} declares ${metadata.width}×${metadata.height} pixels; the limit is 16384×16384`);
    }
    const id = newId();
    await storeAndReference(context, [{ path: file.path, sha256: file.sha256 }], ([stored]) =>
      context.db
        .prepare(
          `INSERT INTO overlays (id, account_id, layer, alignment, name, description, file_key, mime_type, file_size, width, height, published, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, accountId, layer, alignment, name, description, stored.key, mimeType, stored.size, metadata.width, metadata.height, accountId === null ? 1 : 0, nowIso()),
    );
    return toOverlay(context.db.prepare('SELECT * FROM overlays WHERE id = ?').get(id) as OverlayRow);
  } finally {
    if (file) await rm(file.path, { force: true });
  }
}

/** An overlay the account may use: its own, or a published system overlay. */
function findUsableOverlay(context: AppContext, accountId: string, overlayId: unknown): OverlayRow {
  const row = context.db
    .prepare('SELECT * FROM overlays WHERE id = ? AND (account_id = ? OR (account_id IS NULL AND published = 1))')
    .get(overlayId, accountId) as OverlayRow | undefined;
  if (!row) throw new RenderbayError('overlay_not_found', typeof overlayId === 'string' ? `Overlay ${overlayId} not found` : 'Overlay not found', 404);
  return row;
}

export function getOverlay(context: AppContext, accountId: string, overlayId: unknown): Overlay {
  return toOverlay(findUsableOverlay(context, accountId, overlayId));
}

/**
 * The stored file of an overlay a render names, for the renderer: `overlay_not_found`
 * when it does not exist (or was deleted since the render was created).
 */
export function getOverlayFile(context: AppContext, accountId: string, overlayId: string): Overlay & { fileKey: string } {
  const row = findUsableOverlay(context, accountId, overlayId);
  return { ...toOverlay(row), fileKey: row.file_key };
}

/**
 * Checks the overlays render settings name: each must exist for the account, a
 * background image must be a `background` overlay and foreground ids `foreground` ones
 * (a watermark used as a background would be scaled to cover the frame).
 */
export function assertRenderOverlays(context: AppContext, accountId: string, settings: { bgImageId?: string; foregroundIds?: string[] }): void {
  if (settings.bgImageId !== undefined) {
    const overlay = getOverlay(context, accountId, settings.bgImageId);
    if (overlay.layer !== 'background') {
      throw new RenderbayError('invalid_settings', `bgImageId ${overlay.id} is a ${overlay.layer} overlay; use a background overlay (or put it in foregroundIds)`);
    }
  }
  for (const id of settings.foregroundIds ?? []) {
    const overlay = getOverlay(context, accountId, id);
    if (overlay.layer !== 'foreground') {
      throw new RenderbayError('invalid_settings', `foregroundIds: ${overlay.id} is a ${overlay.layer} overlay; use foreground overlays (or bgImageId for a background)`);
    }
  }
}

/** An account's overlays plus the published system ones; with `null`, the system ones alone (the operator's `overlays list`). */
export function listOverlays(context: Pick<AppContext, 'db'>, accountId: string | null): Overlay[] {
  // `account_id = NULL` matches no row, so a null account lists only the system overlays.
  const rows = context.db
    .prepare('SELECT * FROM overlays WHERE account_id = ? OR (account_id IS NULL AND published = 1) ORDER BY created_at DESC, id')
    .all(accountId) as OverlayRow[];
  return rows.map(toOverlay);
}

export async function deleteOverlay(context: AppContext, accountId: string, overlayId: unknown): Promise<{ id: string; deleted: true }> {
  const row = findOwnedRow<OverlayRow>(context.db, 'overlays', accountId, overlayId, () => new RenderbayError('overlay_not_found', 'Overlay not found', 404));
  context.db.prepare('DELETE FROM overlays WHERE id = ?').run(row.id);
  releaseFiles(context, [row.file_key]);
  return { id: row.id, deleted: true };
}
