/**
 * Webhooks of an account: registration (URL checked against the same address guard as URL
 * ingest), listing, changes, secret rotation, a test ping, and the delivery log with
 * redelivery. Delivering is the delivery loop's job (delivery-loop.ts); this module only
 * writes rows and wakes it. Another account's webhook answers `webhook_not_found`, as a
 * missing one does.
 */
import { findOwnedRow } from '../db/statements.js';
import { isIP } from 'node:net';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { LIMITS } from '../limits.js';
import { assertAllowedAddress, resolveAllowed, systemResolver } from '../outgoing/address-guard.js';
import { dialHostname, parseOutgoingUrl } from '../outgoing/outgoing-url.js';
import { parsePaging, type Page } from '../paging.js';
import { announceDeliveries, enqueueDelivery, SURFACE_EVENTS, type EventPayload, type WebhookEvent, type WebhookSurface } from './events.js';
import { newWebhookSecret } from './signature.js';

export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Only the answers to create and rotate-secret carry the secret. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface Delivery {
  id: string;
  webhookId: string;
  event: string;
  /** pending (waiting for its next attempt), succeeded (a 2xx answer), failed (given up after the retry window). */
  status: DeliveryStatus;
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** The delivery this one re-sends (POST …/redeliver). */
  redeliveryOf: string | null;
}

export interface WebhookRow {
  id: string;
  account_id: string;
  url: string;
  events: string;
  enabled: number;
  secret: string;
  /** Which API registered it: its payloads and signature are that API's (src/webhooks/events.ts). */
  surface: WebhookSurface;
  created_at: string;
  updated_at: string;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  last_response_code: number | null;
  last_error: string | null;
  next_attempt_at: number;
  lease_until: number | null;
  redelivery_of: string | null;
  created_at: string;
  last_attempt_at: string | null;
  delivered_at: string | null;
}

const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id,
  url: row.url,
  events: JSON.parse(row.events) as WebhookEvent[],
  enabled: row.enabled === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  event: row.event,
  status: row.status,
  attempts: row.attempts,
  lastResponseCode: row.last_response_code,
  lastError: row.last_error,
  createdAt: row.created_at,
  lastAttemptAt: row.last_attempt_at,
  nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
  deliveredAt: row.delivered_at,
  redeliveryOf: row.redelivery_of,
});

export function findWebhookRow(context: Pick<AppContext, 'db'>, accountId: string, webhookId: unknown): WebhookRow {
  return findOwnedRow<WebhookRow>(context.db, 'webhooks', accountId, webhookId, () => new RenderbayError('webhook_not_found', 'Webhook not found', 404));
}

/**
 * The URL a webhook may have: http(s), no credentials, and (unless the operator allows
 * private addresses) a host that is not loopback, private, link-local…. A name that does not
 * resolve yet is accepted: every attempt checks the address it dials again.
 */
async function checkedUrl(context: AppContext, value: unknown): Promise<string> {
  if (typeof value !== 'string' || value.trim() === '') throw new RenderbayError('url_required', 'url is required: the http:// or https:// address to deliver to', 400);
  if (value.length > LIMITS.maxWebhookUrlLength) throw new RenderbayError('invalid_url', `url is longer than ${LIMITS.maxWebhookUrlLength} characters`, 400);
  const url = parseOutgoingUrl(value);
  const policy = { allowPrivate: context.config.allowPrivateUrls, allowAddresses: [] };
  const hostname = dialHostname(url);
  if (isIP(hostname) !== 0) assertAllowedAddress(hostname, hostname, policy);
  else {
    try {
      await resolveAllowed(hostname, systemResolver, policy);
    } catch (error) {
      if (error instanceof RenderbayError) throw error; // refused by the guard; a DNS failure is not final
    }
  }
  return url.href;
}

function checkedEvents(value: unknown, surface: WebhookSurface): WebhookEvent[] {
  const known = SURFACE_EVENTS[surface];
  if (!Array.isArray(value) || value.length === 0 || value.some((event) => typeof event !== 'string' || !known.includes(event))) {
    throw new RenderbayError('invalid_events', `events must be a non-empty array of: ${known.join(', ')}`, 400);
  }
  return [...new Set(value as WebhookEvent[])];
}

function checkedEnabled(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new RenderbayError('invalid_request', 'enabled must be true or false', 400);
  return value;
}

function fields(body: unknown): { url?: unknown; events?: unknown; enabled?: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RenderbayError('invalid_request', 'The body must be a JSON object', 400);
  return body as { url?: unknown; events?: unknown; enabled?: unknown };
}

export async function createWebhook(context: AppContext, accountId: string, body: unknown, surface: WebhookSurface = 'renderbay'): Promise<WebhookWithSecret> {
  const given = fields(body);
  const url = await checkedUrl(context, given.url);
  const events = checkedEvents(given.events, surface);
  const enabled = given.enabled === undefined ? true : checkedEnabled(given.enabled);
  const id = newId();
  const secret = newWebhookSecret();
  const now = nowIso();
  context.db.transaction(() => {
    const count = context.db.prepare('SELECT COUNT(*) FROM webhooks WHERE account_id = ?').pluck().get(accountId) as number;
    if (count >= LIMITS.maxWebhooksPerAccount) {
      throw new RenderbayError('too_many', `An account may have at most ${LIMITS.maxWebhooksPerAccount} webhooks; delete one first`, 400);
    }
    context.db
      .prepare('INSERT INTO webhooks (id, account_id, url, events, enabled, secret, surface, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, accountId, url, JSON.stringify(events), enabled ? 1 : 0, secret, surface, now, now);
  })();
  return { ...getWebhook(context, accountId, id), secret };
}

export function listWebhooks(context: AppContext, accountId: string): Webhook[] {
  const rows = context.db.prepare('SELECT * FROM webhooks WHERE account_id = ? ORDER BY created_at, rowid').all(accountId) as WebhookRow[];
  return rows.map(toWebhook);
}

export function getWebhook(context: AppContext, accountId: string, webhookId: unknown): Webhook {
  return toWebhook(findWebhookRow(context, accountId, webhookId));
}

/** Changes url, events and/or enabled. Pending deliveries follow: a new URL gets them, a disabled webhook holds them. */
export async function updateWebhook(context: AppContext, accountId: string, webhookId: unknown, body: unknown): Promise<Webhook> {
  const row = findWebhookRow(context, accountId, webhookId);
  const given = fields(body);
  const url = given.url === undefined ? row.url : await checkedUrl(context, given.url);
  const events = given.events === undefined ? row.events : JSON.stringify(checkedEvents(given.events, row.surface));
  const enabled = given.enabled === undefined ? row.enabled : checkedEnabled(given.enabled) ? 1 : 0;
  context.db.prepare('UPDATE webhooks SET url = ?, events = ?, enabled = ?, updated_at = ? WHERE id = ?').run(url, events, enabled, nowIso(), row.id);
  if (enabled === 1) announceDeliveries(context.db); // held deliveries may go now
  return getWebhook(context, accountId, row.id);
}

export function deleteWebhook(context: AppContext, accountId: string, webhookId: unknown): { id: string; deleted: true } {
  const row = findWebhookRow(context, accountId, webhookId);
  context.db.transaction(() => {
    context.db.prepare('DELETE FROM webhook_deliveries WHERE webhook_id = ?').run(row.id);
    context.db.prepare('DELETE FROM webhooks WHERE id = ?').run(row.id);
  })();
  return { id: row.id, deleted: true };
}

/** A new secret, effective for every attempt from now on (pending deliveries included). */
export function rotateWebhookSecret(context: AppContext, accountId: string, webhookId: unknown): WebhookWithSecret {
  const row = findWebhookRow(context, accountId, webhookId);
  const secret = newWebhookSecret();
  context.db.prepare('UPDATE webhooks SET secret = ?, updated_at = ? WHERE id = ?').run(secret, nowIso(), row.id);
  return { ...getWebhook(context, accountId, row.id), secret };
}

/** Queues a `ping` event (`data: { id, url }` of the webhook), whatever its events; a disabled webhook holds it until enabled. */
export function pingWebhook(context: AppContext, accountId: string, webhookId: unknown): Delivery {
  const row = findWebhookRow(context, accountId, webhookId);
  const payload: EventPayload = { event: 'ping', timestamp: nowIso(), data: { id: row.id, url: row.url } };
  const id = enqueueDelivery(context.db, row.id, payload);
  announceDeliveries(context.db);
  return getDelivery(context, row.id, id);
}

export function listDeliveries(context: AppContext, accountId: string, webhookId: unknown, query: Record<string, unknown>): Page<Delivery> {
  const row = findWebhookRow(context, accountId, webhookId);
  const { limit, offset } = parsePaging(query);
  const total = context.db.prepare('SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ?').pluck().get(row.id) as number;
  const rows = context.db
    .prepare('SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?')
    .all(row.id, limit, offset) as DeliveryRow[];
  return { data: rows.map(toDelivery), meta: { total, offset, limit } };
}

/** Sends a delivery's payload again as a new delivery (same body, new signature), whatever became of the first. */
export function redeliver(context: AppContext, accountId: string, webhookId: unknown, deliveryId: unknown): Delivery {
  const webhook = findWebhookRow(context, accountId, webhookId);
  const original =
    typeof deliveryId === 'string'
      ? (context.db.prepare('SELECT * FROM webhook_deliveries WHERE id = ? AND webhook_id = ?').get(deliveryId, webhook.id) as DeliveryRow | undefined)
      : undefined;
  if (!original) throw new RenderbayError('delivery_not_found', 'Delivery not found', 404);
  const id = enqueueDelivery(context.db, webhook.id, original.payload, original.id);
  announceDeliveries(context.db);
  return getDelivery(context, webhook.id, id);
}

function getDelivery(context: AppContext, webhookId: string, deliveryId: string): Delivery {
  return toDelivery(context.db.prepare('SELECT * FROM webhook_deliveries WHERE id = ? AND webhook_id = ?').get(deliveryId, webhookId) as DeliveryRow);
}
