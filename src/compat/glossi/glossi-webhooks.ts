/**
 * `PUT /api/v1/webhooks { url, events, enabled }`: the account's one Glossi-surface endpoint,
 * created on first call and changed on later ones, in the /v1 webhook registry (same URL
 * guard, persistence, retries and delivery log; `GET /v1/webhooks` lists it too). Its
 * deliveries carry Glossi's payloads and signature (glossi-events.ts).
 */
import type { AppContext } from '../../context.js';
import { createWebhook, updateWebhook } from '../../webhooks/webhook-service.js';

export async function putGlossiWebhook(context: AppContext, accountId: string, body: unknown) {
  const existing = context.db.prepare("SELECT id, secret FROM webhooks WHERE account_id = ? AND surface = 'glossi' ORDER BY created_at LIMIT 1").get(accountId) as
    | { id: string; secret: string }
    | undefined;
  const hook = existing ? { ...(await updateWebhook(context, accountId, existing.id, body)), secret: existing.secret } : await createWebhook(context, accountId, body, 'glossi');
  return { id: hook.id, url: hook.url, secret: hook.secret, events: hook.events, enabled: hook.enabled };
}
