/**
 * Glossi's model records: `POST /api/v1/models` makes a record awaiting its file and a
 * signed upload URL; the PUT to that URL keeps the bytes (a model file, once); `confirm`
 * hands them to the model service, which ingests them as any upload (validation, free
 * preview, dedup: bytes this account already has make the record point at that model).
 * A record's status is its model's: PENDING (no model yet), ANALYZING (the preview is
 * checking it), READY (valid), FAILED (invalid).
 */
import { mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { withUploadSlot } from '../../api/upload-slots.js';
import type { AppContext } from '../../context.js';
import { RenderbayError } from '../../errors.js';
import { newId, nowIso } from '../../ids.js';
import { LIMITS } from '../../limits.js';
import { hashFile } from '../../storage/file-store.js';
import { assertModelFileName, sniffModelFormat } from '../../models/model-format.js';
import { createModelFromFile, findModelRow, type ModelItem, type ModelRow } from '../../models/model-service.js';
import { modelsStatus } from '../../models/model-status.js';
import { receivePutBody, signedUploadUrl, verifyUploadUrl } from './upload-urls.js';

export type GlossiModelStatus = 'PENDING' | 'ANALYZING' | 'READY' | 'FAILED';

interface GlossiModelRow {
  id: string;
  account_id: string;
  name: string;
  file_name: string;
  file_type: string;
  upload_file: string | null;
  model_id: string | null;
}

/** A JSON object (not null, not an array): the bodies the surface reads. */
export const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const uploadKey = (row: Pick<GlossiModelRow, 'account_id' | 'id' | 'file_name'>) => `workspaces/${row.account_id}/models/${row.id}/${row.file_name}`;

function uploadsDirectory(context: AppContext): string {
  const directory = path.join(context.config.dataDirectory, 'compat-uploads');
  mkdirSync(directory, { recursive: true });
  return directory;
}

/** `POST /api/v1/models`: one record and signed upload URL per entry of `models`. */
export function createModelRecords(context: AppContext, accountId: string, body: unknown, base: string) {
  const models = isObject(body) ? body.models : undefined;
  if (!Array.isArray(models) || models.length === 0) throw new RenderbayError('invalid_request', 'models must be a non-empty array of { name, fileName, fileType }');
  if (models.length > LIMITS.maxCompatBatch) throw new RenderbayError('too_many', `At most ${LIMITS.maxCompatBatch} models per request`);
  const records = models.map((entry, index) => {
    const { name, fileName, fileType } = isObject(entry) ? entry : {};
    if (typeof fileName !== 'string' || fileName.trim() === '' || fileName.length > 255) throw new RenderbayError('invalid_request', `models[${index}].fileName is required (e.g. "product.glb")`);
    assertModelFileName(fileName);
    const type = typeof fileType === 'string' && fileType !== '' ? fileType.toLowerCase() : path.extname(fileName).slice(1).toLowerCase();
    if (!['glb', 'gltf', 'zip'].includes(type)) throw new RenderbayError('invalid_format', `models[${index}].fileType must be glb, gltf or zip`);
    const displayName = typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 200) : fileName;
    return { id: newId(), name: displayName, fileName: path.basename(fileName), type };
  });
  const insert = context.db.prepare('INSERT INTO glossi_models (id, account_id, name, file_name, file_type, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  context.db.transaction(() => records.forEach((record) => insert.run(record.id, accountId, record.name, record.fileName, record.type, nowIso())))();
  return {
    models: records.map((record) => ({
      modelId: record.id,
      name: record.name,
      uploadUrl: signedUploadUrl(context.db, base, record.id),
      uploadKey: uploadKey({ account_id: accountId, id: record.id, file_name: record.fileName }),
    })),
  };
}

function findRecord(context: AppContext, accountId: string | null, id: unknown): GlossiModelRow {
  const row =
    typeof id === 'string' && id !== ''
      ? (context.db.prepare('SELECT * FROM glossi_models WHERE id = ?').get(id) as GlossiModelRow | undefined)
      : undefined;
  if (!row || (accountId !== null && row.account_id !== accountId)) throw new RenderbayError('model_not_found', 'Model not found', 404);
  return row;
}

/** The PUT to a signed upload URL: checked, at most once, a model file (by its first bytes) within the size limit. */
export async function receiveModelUpload(context: AppContext, id: string, query: Record<string, string | undefined>, request: IncomingMessage): Promise<void> {
  verifyUploadUrl(context.db, id, query);
  const record = findRecord(context, null, id);
  const used = () => new RenderbayError('upload_url_used', 'This upload URL has been used already: each takes one file (create a new model record for another)', 409);
  if (record.upload_file !== null || record.model_id !== null) throw used();
  await withUploadSlot(context, record.account_id, async () => {
    const received = path.join(context.store.tempDirectory, `compat-put-${newId()}`);
    const kept = path.join(uploadsDirectory(context), record.id);
    await receivePutBody(request, received);
    try {
      await sniffModelFormat(received, record.file_name); // invalid_format for anything that is no GLB, glTF or zip
      // The first complete PUT wins; a second one racing it is refused like a reused URL.
      const claimed = context.db.prepare('UPDATE glossi_models SET upload_file = ? WHERE id = ? AND upload_file IS NULL AND model_id IS NULL').run(kept, record.id);
      if (claimed.changes === 0) throw used();
      await rename(received, kept);
    } finally {
      await rm(received, { force: true });
    }
  });
}

/** `POST /api/v1/models/{id}/confirm`: the uploaded bytes become a model (or the account's model with the same bytes). */
export async function confirmModel(context: AppContext, accountId: string, id: unknown) {
  const record = findRecord(context, accountId, id);
  if (record.model_id === null) {
    if (record.upload_file === null) {
      throw new RenderbayError('upload_missing', 'Nothing has been uploaded for this model yet: PUT the file to its uploadUrl first, then confirm', 409);
    }
    const file = path.join(context.store.tempDirectory, `compat-confirm-${newId()}`);
    await rename(record.upload_file, file).catch(() => {
      throw new RenderbayError('upload_missing', 'The uploaded file is gone (confirmed already, or the server lost it): create a new model record', 409);
    });
    const { size } = await stat(file);
    const created = await createModelFromFile(context, accountId, { path: file, sha256: await hashFile(file), size, originalName: record.file_name });
    context.db.prepare('UPDATE glossi_models SET model_id = ? WHERE id = ?').run(created.modelId, record.id);
    record.model_id = created.modelId;
  }
  return { modelId: record.id, name: record.name, status: glossiStatus(context, accountId, record), filePath: uploadKey(record) };
}

/** A Renderbay model status (null: no model yet; deleted: gone since) in Glossi's words. */
function glossiStatusOf(status: ModelItem['status'] | 'deleted' | null): GlossiModelStatus {
  if (status === null) return 'PENDING';
  return status === 'valid' ? 'READY' : status === 'processing' ? 'ANALYZING' : 'FAILED';
}

function glossiStatus(context: AppContext, accountId: string, record: GlossiModelRow): GlossiModelStatus {
  if (record.model_id === null) return 'PENDING';
  let model: ModelRow;
  try {
    model = findModelRow(context, accountId, record.model_id);
  } catch {
    return glossiStatusOf('deleted');
  }
  return glossiStatusOf(model.status);
}

/**
 * `POST /api/v1/models/status`: the Glossi ids resolved to their models, whose readiness
 * `POST /v1/models/status` reports; records with no model yet are PENDING, unknown ids `notFound`.
 */
export function modelStatuses(context: AppContext, accountId: string, body: unknown) {
  const ids = isObject(body) ? body.modelIds : undefined;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) throw new RenderbayError('invalid_request', 'modelIds must be a non-empty array of model ids');
  if (ids.length > LIMITS.maxCompatBatch) throw new RenderbayError('too_many', `At most ${LIMITS.maxCompatBatch} modelIds per request`);
  const records = new Map<string, GlossiModelRow>();
  const notFound: string[] = [];
  for (const id of new Set(ids as string[])) {
    const record = context.db.prepare('SELECT * FROM glossi_models WHERE id = ? AND account_id = ?').get(id, accountId) as GlossiModelRow | undefined;
    if (record) records.set(id, record);
    else notFound.push(id);
  }
  const linked = [...records.values()].filter((record) => record.model_id !== null);
  const known = linked.length === 0 ? null : modelsStatus(context, accountId, { modelIds: linked.map((record) => record.model_id) });
  const models = [...records.values()].map((record) => {
    const model = known?.models.find((entry) => entry.modelId === record.model_id);
    const status = glossiStatusOf(record.model_id === null ? null : (model?.status ?? 'deleted'));
    return { modelId: record.id, name: record.name, status, ready: status === 'READY' };
  });
  return { models, allReady: notFound.length === 0 && models.every((model) => model.ready), notFound };
}

/** The Renderbay model of a READY Glossi model (projects are made of these). */
export function readyModel(context: AppContext, accountId: string, id: unknown): { record: GlossiModelRow; modelId: string } {
  const record = findRecord(context, accountId, id);
  const status = glossiStatus(context, accountId, record);
  if (status !== 'READY') throw new RenderbayError('model_not_ready', `Model ${record.id} is ${status}, not READY: wait with POST /api/v1/models/status`, 400);
  return { record, modelId: record.model_id! };
}
