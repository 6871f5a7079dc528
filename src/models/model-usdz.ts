/**
 * USDZ export of a model for AR (AR Quick Look on iOS/macOS), shared by
 * `GET /v1/models/:id/usdz` and the MCP tool `export_usdz`. The first request exports
 * the model's normalised GLB in a worker thread and keeps the package in the store;
 * later requests serve that copy. What USDZ could not carry is recorded on the model.
 *
 * ```ts
 * const usdz = await modelUsdz(context, accountId, modelId);   // { path, name, sha256, size, warnings }
 * ```
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { exportUsdzInWorker } from '../ingest/ingest-worker.js';
import { findModelRow, modelBaseName } from './model-service.js';
import { storeAndReference } from '../storage/file-references.js';

export interface ModelUsdz {
  /** The package in the store (read-only; copy it, never move it). */
  path: string;
  /** A download name: the model's name with `.usdz`. */
  name: string;
  sha256: string;
  size: number;
  /** What the package could not carry (texture transforms, animation, variants, …). */
  warnings: string[];
}

export async function modelUsdz(context: AppContext, accountId: string, modelId: unknown): Promise<ModelUsdz> {
  const row = findModelRow(context, accountId, modelId);
  if (row.status === 'invalid') {
    throw new RenderbayError('invalid_model', `This model failed its integrity check and cannot be exported: ${row.invalid_reason ?? 'unknown reason'}`);
  }
  const name = `${modelBaseName(row)}.usdz`;
  if (row.usdz_key && context.store.has(row.usdz_key)) {
    const stored = context.store.pathOf(row.usdz_key);
    return { path: stored, name, sha256: row.usdz_key, size: statSync(stored).size, warnings: JSON.parse(row.usdz_warnings ?? '[]') as string[] };
  }
  if (!context.store.has(row.file_key)) throw new RenderbayError('file_not_found', 'The model file is missing from storage', 404);
  const workDirectory = await mkdtemp(path.join(context.store.tempDirectory, 'usdz-'));
  try {
    const output = path.join(workDirectory, 'model.usdz');
    const { warnings } = await exportUsdzInWorker(context.store.pathOf(row.file_key), output);
    const stored = await storeAndReference(context, [{ path: output }], ([usdz]) => {
      context.db.prepare('UPDATE models SET usdz_key = ?, usdz_warnings = ? WHERE id = ?').run(usdz.key, JSON.stringify(warnings), row.id);
      return usdz;
    });
    return { path: context.store.pathOf(stored.key), name, sha256: stored.key, size: stored.size, warnings };
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}
