/**
 * Webhooks registered through the Glossi surface (`PUT /api/v1/webhooks`) hear what /v1
 * webhooks hear, in Glossi's words (its document, "Webhook Payloads"): its model ids, job
 * statuses and project, and `render.complete` / `render.failed` once per job with its render
 * ids. They are signed as Glossi signs: `X-Glossi-Signature` = hex HMAC-SHA256 of the body
 * with the secret's UTF-8 bytes, which is what the document's verify snippet computes.
 */
import { createHmac } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { nowIso } from '../../ids.js';
import type { EventPayload } from '../../webhooks/events.js';

export const GLOSSI_EVENTS = ['model.processed', 'model.failed', 'project.created', 'job.complete', 'job.failed', 'render.complete', 'render.failed'] as const;
export const GLOSSI_SIGNATURE_HEADER = 'x-glossi-signature';

export interface GlossiPayload {
  event: (typeof GLOSSI_EVENTS)[number];
  timestamp: string;
  data: Record<string, unknown>;
}

export function glossiSignature(secret: string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/** A Renderbay event as the Glossi payloads it makes (none when it concerns nothing made through the surface). */
export function glossiPayloads(db: Db, accountId: string, payload: EventPayload): GlossiPayload[] {
  const { event, timestamp, data } = payload;
  if (event === 'model.processed' || event === 'model.failed') {
    const records = db.prepare('SELECT id, name FROM glossi_models WHERE model_id = ? AND account_id = ?').all(data.id, accountId) as { id: string; name: string }[];
    return records.map((record) => ({ event, timestamp, data: { modelId: record.id, name: record.name, status: event === 'model.processed' ? 'READY' : 'FAILED' } }));
  }
  if (event === 'job.complete' || event === 'job.failed') {
    const project = db
      .prepare(
        `SELECT p.id, p.name, m.id AS model_id, m.name AS model_name FROM glossi_jobs j JOIN glossi_projects p ON p.id = j.project_id
         JOIN glossi_models m ON m.id = p.glossi_model_id WHERE j.job_id = ?`,
      )
      .get(data.id) as { id: string; name: string; model_id: string; model_name: string } | undefined;
    if (!project) return [];
    const complete = event === 'job.complete';
    return [
      { event, timestamp, data: { jobId: data.id, status: complete ? 'COMPLETE' : 'FAILED', results: [{ model: { id: project.model_id, name: project.model_name }, project: { id: project.id, name: project.name } }] } },
      { event: complete ? 'render.complete' : 'render.failed', timestamp, data: { jobId: data.id, status: complete ? 'COMPLETED' : 'FAILED', projectId: project.id, renderIds: data.renderIds } },
    ];
  }
  return [];
}

/** `project.created`, for the account's Glossi-surface endpoints that want it (a project is the surface's own). */
export function projectCreatedPayload(project: { projectId: string; name: string; modelIds: string[]; templateId: string }): GlossiPayload {
  return { event: 'project.created', timestamp: nowIso(), data: project };
}
