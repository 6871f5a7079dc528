/**
 * The webhook delivery loop of `renderbay serve`: sends pending deliveries, signed, through
 * the outgoing fetcher (its own thread per request, the address guard on every address
 * dialled, one time budget per attempt), and reschedules failures with exponential backoff
 * until an attempt fails after the retry window (24 h by default): then the delivery is
 * `failed`. Everything is in SQLite, so a restart resumes where the last process stopped.
 *
 * - It never delays rendering or the API: attempts are asynchronous, at most
 *   `webhookConcurrentDeliveries` at once and `webhookConcurrentPerWebhook` per webhook
 *   (a slow receiver holds two slots, not all of them); the loop's own work is a few
 *   indexed queries.
 * - Several processes may run it on one data directory: a delivery is claimed with a lease
 *   (an UPDATE that succeeds for one of them), released when the attempt is recorded, and
 *   reclaimable if its process died mid-attempt.
 * - It wakes at once on this process's events, and otherwise looks every second (events
 *   recorded by `renderbay mcp` or another process sharing the data directory).
 * Delivery is at least once: a receiver may see a delivery again (same `Renderbay-Delivery`
 * id) when a process stopped between sending and recording.
 */
import type { AppContext } from '../context.js';
import { nowIso } from '../ids.js';
import { LIMITS } from '../limits.js';
import { fetchOutgoing } from '../outgoing/fetcher.js';
import { onEvent } from './events.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { GLOSSI_SIGNATURE_HEADER, glossiSignature } from '../compat/glossi/glossi-events.js';
import type { WebhookSurface } from './events.js';
import type { DeliveryRow } from './webhook-service.js';

const NAME = 'webhooks';
/** Longest sleep between looks at the database (deliveries created by other processes). */
const POLL_MS = 1000;
/** A claim outlives the attempt's time budget by this much before another process may take the delivery over. */
const LEASE_MARGIN_MS = 60_000;
const PRUNE_INTERVAL_MS = 3_600_000;

type DueDelivery = DeliveryRow & { url: string; secret: string; surface: WebhookSurface };

/** The delay before attempt `attempts + 1`, after `attempts` failed ones: base, 2×base, 4×base, … up to max. */
export function retryDelayMs(attempts: number, config: { retryBaseMs: number; retryMaxMs: number }): number {
  return Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.min(Math.max(0, attempts - 1), 40));
}

export class WebhookDeliverer {
  /** Delivery id → webhook id, for the attempts this process has in flight. */
  private readonly inFlight = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private woken = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private nextPruneAt = 0;

  constructor(
    private readonly context: Pick<AppContext, 'db' | 'config'>,
    private readonly log: (message: string) => void = (message) => process.stderr.write(`${NAME}: ${message}\n`),
  ) {}

  start(): void {
    this.unsubscribe = onEvent(this.context.db, () => this.wake());
    this.wake();
  }

  /** Stops taking deliveries; attempts in flight are let go (their leases released, their outcome not recorded). */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    const release = this.context.db.prepare('UPDATE webhook_deliveries SET lease_until = NULL WHERE id = ?');
    for (const id of this.inFlight.keys()) release.run(id);
  }

  /** Deliveries this process is sending now (tests, benchmarks). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private wake(): void {
    if (this.woken || this.stopped) return;
    this.woken = true;
    setImmediate(() => {
      this.woken = false;
      this.tick();
    });
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    try {
      this.prune();
      for (const delivery of this.claimDue()) void this.attempt(delivery);
    } catch (error) {
      this.log(`could not look for due deliveries (tried again in a second): ${(error as Error).message}`);
    }
    this.timer = setTimeout(() => this.tick(), this.untilNextDue());
    this.timer.unref();
  }

  /**
   * Until the next delivery that is not due yet becomes due (at most a second). Due ones that
   * could not be claimed (their webhook at its limit, or disabled) wait for an attempt to end
   * (which wakes the loop) or for the next look: no busy loop.
   */
  private untilNextDue(): number {
    try {
      const now = Date.now();
      const next = this.context.db
        .prepare("SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at > ?")
        .pluck()
        .get(now) as number | null;
      return next === null ? POLL_MS : Math.min(POLL_MS, Math.max(1, next - now));
    } catch {
      return POLL_MS;
    }
  }

  /**
   * Claims as many due deliveries as there are free slots, webhook by webhook (oldest due
   * first) and at most `webhookConcurrentPerWebhook` each: however many deliveries a slow
   * receiver has waiting, another webhook's are found and sent alongside.
   */
  private claimDue(): DueDelivery[] {
    const free = LIMITS.webhookConcurrentDeliveries - this.inFlight.size;
    if (free <= 0) return [];
    const { db, config } = this.context;
    const now = Date.now();
    const due = `d.status = 'pending' AND d.next_attempt_at <= @now AND (d.lease_until IS NULL OR d.lease_until <= @now) AND w.enabled = 1`;
    const webhooks = db
      .prepare(`SELECT d.webhook_id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE ${due} GROUP BY d.webhook_id ORDER BY MIN(d.next_attempt_at)`)
      .pluck()
      .all({ now }) as string[];
    const oldestOf = db.prepare(
      `SELECT d.*, w.url, w.secret, w.surface FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.webhook_id = @webhookId AND ${due} ORDER BY d.next_attempt_at, d.rowid LIMIT @limit`,
    );
    const claim = db.prepare("UPDATE webhook_deliveries SET lease_until = ? WHERE id = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)");
    const busy = new Map<string, number>();
    for (const webhookId of this.inFlight.values()) busy.set(webhookId, (busy.get(webhookId) ?? 0) + 1);
    const claimed: DueDelivery[] = [];
    for (const webhookId of webhooks) {
      const slots = Math.min(LIMITS.webhookConcurrentPerWebhook - (busy.get(webhookId) ?? 0), free - claimed.length);
      if (slots <= 0) continue;
      let taken = 0;
      for (const delivery of oldestOf.all({ webhookId, now, limit: slots * 2 }) as DueDelivery[]) {
        if (taken >= slots) break;
        if (claim.run(now + config.webhooks.timeoutMs + LEASE_MARGIN_MS, delivery.id, now).changes !== 1) continue; // another process took it
        taken++;
        this.inFlight.set(delivery.id, webhookId);
        claimed.push(delivery);
      }
      if (claimed.length >= free) break;
    }
    return claimed;
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const { config } = this.context;
    let status: number | null = null;
    let failure: string | null = null;
    try {
      const answer = await fetchOutgoing(
        {
          url: delivery.url,
          method: 'POST',
          headers:
            delivery.surface === 'glossi'
              ? { 'content-type': 'application/json', [GLOSSI_SIGNATURE_HEADER]: glossiSignature(delivery.secret, delivery.payload) }
              : {
                  'content-type': 'application/json',
                  [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(delivery.secret, delivery.payload, Math.floor(Date.now() / 1000)),
                  'renderbay-event': delivery.event,
                  'renderbay-delivery': delivery.id,
                },
          body: delivery.payload,
        },
        { allowPrivate: config.allowPrivateUrls, timeoutMs: config.webhooks.timeoutMs, maxRedirects: 0, maxBytes: LIMITS.webhookResponseBytes, responseFile: null },
      );
      status = answer.status;
      if (status < 200 || status >= 300) failure = `The receiver answered HTTP ${status}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (this.stopped) return; // the database may be closed; the released lease lets the next start try again
    this.inFlight.delete(delivery.id);
    try {
      this.record(delivery, status, failure);
    } catch (error) {
      this.log(`could not record delivery ${delivery.id}: ${(error as Error).message}`);
    }
    this.wake(); // a slot is free
  }

  private record(delivery: DueDelivery, status: number | null, failure: string | null): void {
    const { db, config } = this.context;
    const now = Date.now();
    if (failure === null) {
      db.prepare(
        "UPDATE webhook_deliveries SET status = 'succeeded', attempts = attempts + 1, last_response_code = ?, last_error = NULL, lease_until = NULL, last_attempt_at = ?, delivered_at = ? WHERE id = ?",
      ).run(status, nowIso(), nowIso(), delivery.id);
      return;
    }
    const attempts = delivery.attempts + 1;
    const givenUp = now - Date.parse(delivery.created_at) >= config.webhooks.retryWindowMs;
    db.prepare(
      'UPDATE webhook_deliveries SET status = ?, attempts = ?, last_response_code = ?, last_error = ?, lease_until = NULL, last_attempt_at = ?, next_attempt_at = ? WHERE id = ?',
    ).run(givenUp ? 'failed' : 'pending', attempts, status, failure, nowIso(), now + retryDelayMs(attempts, config.webhooks), delivery.id);
    if (givenUp) this.log(`delivery ${delivery.id} (${delivery.event}) failed for good after ${attempts} attempts: ${failure}`);
  }

  /** Hourly: finished deliveries older than the retention are deleted (pending ones never). */
  private prune(): void {
    if (Date.now() < this.nextPruneAt) return;
    this.nextPruneAt = Date.now() + PRUNE_INTERVAL_MS;
    const before = new Date(Date.now() - LIMITS.webhookDeliveryRetentionMs).toISOString();
    this.context.db.prepare("DELETE FROM webhook_deliveries WHERE status != 'pending' AND created_at < ?").run(before);
  }
}
