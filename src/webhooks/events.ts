/**
 * The one place where "something finished" is announced: a model got its verdict, a render
 * reached `done` or `error`. `publishEvent` does two things, both cheap and synchronous:
 * - persists one delivery per subscribed, enabled webhook of the account (in the caller's
 *   transaction, so an event is recorded exactly when the state change it reports is);
 * - tells this process's listeners (the webhook delivery loop, `Prefer: wait` requests),
 *   so they act at once instead of on their next look at the database.
 * Listeners in other processes sharing the data directory find the same rows by polling.
 *
 * ```ts
 * publishEvent(db, { accountId: row.account_id, event: 'render.complete', data: toRenderItem(row) });
 * const stop = onEvent(db, (event) => event.data.id === renderId && wake());
 * ```
 */
import { EventEmitter } from 'node:events';
import type { Db } from '../db/database.js';
import { newId, nowIso } from '../ids.js';
import { GLOSSI_EVENTS, glossiPayloads, type GlossiPayload } from '../compat/glossi/glossi-events.js';

export const WEBHOOK_EVENTS = ['model.processed', 'model.failed', 'render.complete', 'render.failed', 'job.complete', 'job.failed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The API a webhook was registered through; it decides the events, payloads and signature its deliveries carry. */
export type WebhookSurface = 'renderbay' | 'glossi';
export const SURFACE_EVENTS: Record<WebhookSurface, readonly string[]> = { renderbay: WEBHOOK_EVENTS, glossi: GLOSSI_EVENTS };

/** What a delivery's body is: the event, when it happened, and the resource as the API returns it. */
export interface EventPayload {
  event: WebhookEvent | 'ping';
  timestamp: string;
  data: { id: string } & Record<string, unknown>;
}

export interface PublishedEvent extends EventPayload {
  accountId: string;
}

const NAME = 'renderbay-event';
/** Every step of a render (claimed, percent, done, failed, requeued), for live views: not persisted, this process only. */
const RENDER_CHANGE = 'renderbay-render-change';
/** One emitter per open database: two servers in one process (tests) do not hear each other. */
const emitters = new WeakMap<Db, EventEmitter>();

function emitterOf(db: Db): EventEmitter {
  let emitter = emitters.get(db);
  if (!emitter) {
    emitters.set(db, (emitter = new EventEmitter()));
    emitter.setMaxListeners(0); // one per waiting request: many is normal
  }
  return emitter;
}

/** Records deliveries for the account's webhooks and notifies this process's listeners. Call inside the state change's transaction. */
export function publishEvent(db: Db, event: { accountId: string; event: WebhookEvent; data: EventPayload['data'] }): void {
  const payload: EventPayload = { event: event.event, timestamp: nowIso(), data: event.data };
  const hooks = db.prepare('SELECT id, events, surface FROM webhooks WHERE account_id = ? AND enabled = 1').all(event.accountId) as { id: string; events: string; surface: WebhookSurface }[];
  // A Glossi endpoint hears the same happenings in Glossi's words (none, one or two payloads each).
  const glossi = hooks.some((hook) => hook.surface === 'glossi') ? glossiPayloads(db, event.accountId, payload) : [];
  for (const hook of hooks) {
    const subscribed = JSON.parse(hook.events) as string[];
    for (const delivery of hook.surface === 'glossi' ? glossi : [payload]) {
      if (subscribed.includes(delivery.event)) enqueueDelivery(db, hook.id, hook.surface === 'glossi' ? JSON.stringify(delivery) : (delivery as EventPayload));
    }
  }
  // After the caller's transaction has committed (it is synchronous): listeners read the new state.
  setImmediate(() => emitterOf(db).emit(NAME, { ...payload, accountId: event.accountId } satisfies PublishedEvent));
}

/** A payload of the Glossi surface's own (project.created) to the account's Glossi-surface endpoints that want it. Inside the change's transaction. */
export function publishGlossiEvent(db: Db, accountId: string, payload: GlossiPayload): void {
  const hooks = db.prepare("SELECT id, events FROM webhooks WHERE account_id = ? AND enabled = 1 AND surface = 'glossi'").all(accountId) as { id: string; events: string }[];
  for (const hook of hooks) if ((JSON.parse(hook.events) as string[]).includes(payload.event)) enqueueDelivery(db, hook.id, JSON.stringify(payload));
  if (hooks.length > 0) announceDeliveries(db);
}

/** A new pending delivery of `payload` (its body, byte for byte, on every attempt), due now. */
export function enqueueDelivery(db: Db, webhookId: string, payload: EventPayload | string, redeliveryOf: string | null = null): string {
  const id = newId();
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const event = typeof payload === 'string' ? (JSON.parse(payload) as EventPayload).event : payload.event;
  db.prepare(
    `INSERT INTO webhook_deliveries (id, webhook_id, event, payload, next_attempt_at, redelivery_of, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, webhookId, event, body, Date.now(), redeliveryOf, nowIso());
  return id;
}

/** Wakes this process's delivery loop for deliveries created outside an event (ping, redeliver). */
export function announceDeliveries(db: Db): void {
  setImmediate(() => emitterOf(db).emit(NAME, null));
}

/** Calls `listener` for every event published in this process on `db` (null: new deliveries only). Returns the unsubscribe. */
export function onEvent(db: Db, listener: (event: PublishedEvent | null) => void): () => void {
  const emitter = emitterOf(db);
  emitter.on(NAME, listener);
  return () => emitter.off(NAME, listener);
}

/**
 * Announces that these renders' rows changed (status, percent, stage), after the caller's
 * transaction. Unlike `publishEvent` nothing is persisted and every step counts, system
 * previews included: it feeds live views (the portal's event stream), which read the rows.
 */
export function announceRenderChange(db: Db, renderIds: readonly string[]): void {
  if (renderIds.length === 0) return;
  const ids = [...renderIds];
  setImmediate(() => emitterOf(db).emit(RENDER_CHANGE, ids));
}

/** Calls `listener` with the ids of renders whose rows changed in this process. Returns the unsubscribe. */
export function onRenderChange(db: Db, listener: (renderIds: string[]) => void): () => void {
  const emitter = emitterOf(db);
  emitter.on(RENDER_CHANGE, listener);
  return () => emitter.off(RENDER_CHANGE, listener);
}
