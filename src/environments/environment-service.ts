/**
 * Environments: HDR/EXR panoramas an account uploads for `environmentImage`. Like
 * overlays they belong to one account (another account's id answers as missing:
 * `environment_not_found`), live in the content-addressed store, and are checked from
 * their header (format, declared size) before anything decodes them.
 */
import { findOwnedRow } from '../db/statements.js';
import { rm } from 'node:fs/promises';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { LIMITS } from '../limits.js';
import { environmentNotFound } from '../render/lighting-plan.js';
import { isEnvironmentPreset } from '../settings/lighting-settings.js';
import { releaseFiles, storeAndReference } from '../storage/file-references.js';
import { readEnvironmentHeader } from './environment-header.js';

export interface Environment {
  id: string;
  name: string;
  format: 'hdr' | 'exr';
  width: number;
  height: number;
  fileSize: number;
  createdAt: string;
}

interface EnvironmentRow {
  id: string;
  account_id: string;
  name: string;
  format: Environment['format'];
  file_key: string;
  file_size: number;
  width: number;
  height: number;
  created_at: string;
}

const toEnvironment = (row: EnvironmentRow): Environment => ({
  id: row.id,
  name: row.name,
  format: row.format,
  width: row.width,
  height: row.height,
  fileSize: row.file_size,
  createdAt: row.created_at,
});

/** Validates and stores an uploaded HDR/EXR panorama for `accountId`. The temp file is consumed. */
export async function createEnvironment(
  context: Pick<AppContext, 'db' | 'store'>,
  accountId: string,
  file: { path: string; sha256: string; bytes: number; filename: string } | null,
  fields: Record<string, string>,
): Promise<Environment> {
  try {
    if (!file) throw new RenderbayError('no_file', 'No file: send the HDR or EXR image as the multipart field "file"', 400);
    if (file.bytes > LIMITS.maxEnvironmentBytes) {
      throw new RenderbayError('file_too_large', `${file.filename} is larger than the ${LIMITS.maxEnvironmentBytes / (1024 * 1024)} MB environment limit`);
    }
    const name = (fields.name ?? file.filename).trim();
    if (name === '' || name.length > 100) throw new RenderbayError('invalid_request', 'name must be 1 to 100 characters');
    const header = await readEnvironmentHeader(file.path);
    if (!header) throw new RenderbayError('invalid_format', `${file.filename} is not a Radiance HDR (.hdr) or OpenEXR (.exr) image`);
    const { width, height } = header;
    if (width > LIMITS.maxEnvironmentSide || height > LIMITS.maxEnvironmentSide || width * height > LIMITS.maxEnvironmentPixels) {
      throw new RenderbayError(
        'image_too_large',
        `${file.filename} declares ${width}×${height} pixels; environments may be at most ${LIMITS.maxEnvironmentSide} pixels a side and ${LIMITS.maxEnvironmentPixels / 1024 / 1024} MP`,
      );
    }
    const id = newId();
    await storeAndReference(context, [{ path: file.path, sha256: file.sha256 }], ([stored]) =>
      context.db
        .prepare('INSERT INTO environments (id, account_id, name, format, file_key, file_size, width, height, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, accountId, name, header.format, stored.key, stored.size, width, height, nowIso()),
    );
    return toEnvironment(context.db.prepare('SELECT * FROM environments WHERE id = ?').get(id) as EnvironmentRow);
  } finally {
    if (file) await rm(file.path, { force: true });
  }
}

function findEnvironment(context: Pick<AppContext, 'db'>, accountId: string, environmentId: unknown): EnvironmentRow {
  return findOwnedRow<EnvironmentRow>(context.db, 'environments', accountId, environmentId, () => environmentNotFound(typeof environmentId === 'string' ? environmentId : ''));
}

export function getEnvironment(context: Pick<AppContext, 'db'>, accountId: string, environmentId: unknown): Environment {
  return toEnvironment(findEnvironment(context, accountId, environmentId));
}

export function listEnvironments(context: Pick<AppContext, 'db'>, accountId: string): Environment[] {
  const rows = context.db.prepare('SELECT * FROM environments WHERE account_id = ? ORDER BY created_at DESC, id').all(accountId) as EnvironmentRow[];
  return rows.map(toEnvironment);
}

export function deleteEnvironment(context: AppContext, accountId: string, environmentId: unknown): { id: string; deleted: true } {
  const row = findEnvironment(context, accountId, environmentId);
  context.db.prepare('DELETE FROM environments WHERE id = ?').run(row.id);
  releaseFiles(context, [row.file_key]);
  return { id: row.id, deleted: true };
}

/**
 * The stored files of the uploaded environment a render's settings name (none for a
 * preset), by id, for the renderer; `environment_not_found` for an unknown preset, an
 * unknown id or another account's.
 */
export function resolveRenderEnvironment(context: Pick<AppContext, 'db' | 'store'>, accountId: string, settings: { environmentImage?: string }): Record<string, string> {
  const name = settings.environmentImage;
  if (name === undefined || isEnvironmentPreset(name)) return {};
  return { [name]: context.store.pathOf(findEnvironment(context, accountId, name).file_key) };
}
