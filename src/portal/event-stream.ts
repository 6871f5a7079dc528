/**
 * `GET /portal/api/events`: the signed-in account's renders and models as they change, as
 * Server-Sent Events — the portal's live status and percent without polling. It listens to
 * the same in-process source as the webhook delivery loop (webhooks/events.ts): every step of
 * a render (`announceRenderChange`) and every finished event (`publishEvent`), and reads only
 * the rows named in each announcement (one indexed query), so an idle stream costs nothing.
 *
 * Events (each `data:` is JSON, each has an increasing `id:`):
 * - `render`: `{ id, modelId, status, progress, stage, isSystemPreview, errorMessage }`
 * - `model`:  `{ id, status, invalidReason }` when a model gets its verdict
 * A comment line every `LIMITS.portalEventsHeartbeatMs` keeps proxies from closing the stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../db/database.js';
import { LIMITS } from '../limits.js';
import { onEvent, onRenderChange } from '../webhooks/events.js';
import type { ModelChange, RenderChange } from './live-events.js';


export function streamAccountEvents(db: Db, accountId: string, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  response.flushHeaders();
  let eventId = 0;
  const send = (event: string, data: unknown) => {
    if (!response.writableEnded) response.write(`id: ${++eventId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send('ready', { accountId });
  const readRenders = db.prepare(
    `SELECT id, model_id, status, progress, stage, is_system_preview, error_message FROM renders
     WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))`,
  );
  const stopRenders = onRenderChange(db, (ids) => {
    const rows = readRenders.all(accountId, JSON.stringify(ids)) as {
      id: string; model_id: string; status: string; progress: number; stage: string | null; is_system_preview: number; error_message: string | null;
    }[];
    for (const row of rows) {
      send('render', {
        id: row.id,
        modelId: row.model_id,
        status: row.status,
        progress: row.progress,
        stage: row.stage,
        isSystemPreview: row.is_system_preview === 1,
        errorMessage: row.error_message,
      } satisfies RenderChange);
    }
  });
  const stopModels = onEvent(db, (event) => {
    if (event?.accountId !== accountId || !event.event.startsWith('model.')) return;
    send('model', { id: event.data.id, status: String(event.data.status), invalidReason: (event.data.invalidReason as string | null | undefined) ?? null } satisfies ModelChange);
  });
  const heartbeat = setInterval(() => response.writableEnded || response.write(': keep-alive\n\n'), LIMITS.portalEventsHeartbeatMs);
  const close = () => {
    clearInterval(heartbeat);
    stopRenders();
    stopModels();
  };
  request.once('close', close);
  response.once('close', close);
}
