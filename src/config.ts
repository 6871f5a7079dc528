/**
 * Server configuration from flags and environment, resolved once. Every setting has a
 * documented RENDERBAY_* variable (see README, "Configuration").
 */
import os from 'node:os';
import path from 'node:path';
import { RenderbayError } from './errors.js';
import type { ConnectionPolicy } from './http/connection-guard.js';
import { LIMITS } from './limits.js';

export interface ServerConfig {
  /** Holds renderbay.db (SQLite, WAL) and the file store; nothing is written elsewhere. */
  dataDirectory: string;
  host: string;
  port: number;
  /** Renders running at once. Each uses every core through llvmpipe, so the default is cores/2. */
  concurrency: number;
  /** Allow URL ingest from loopback/private/link-local addresses (tests, trusted networks). */
  allowPrivateUrls: boolean;
  /** Credits granted to a newly created account. */
  initialCredits: number;
  /** Attempts a render gets (server-side failures and restarts) before it is failed for good. */
  maxRenderAttempts: number;
  /** Concurrent uploads per account before `upload_limit` (429). */
  maxConcurrentUploads: number;
  /** Finished renders older than this many days are deleted with their files; null keeps them (the default). */
  retentionDays: number | null;
  /** Connection cap and timeouts of `renderbay serve` (README, "Connections and timeouts"). */
  http: HttpConfig;
  /** Browser origins the REST API answers cross-origin requests from (`--cors-origin`); empty: none. */
  corsOrigins: string[];
  /** Webhook delivery timing (README, "Webhooks"). */
  webhooks: WebhookConfig;
  /**
   * The server's address as clients reach it (`--public-url`, RENDERBAY_PUBLIC_URL), for the
   * absolute URLs it hands out (share pages, signed asset URLs, embeds, Glossi upload URLs and file paths); null: the address it listens on.
   * Never taken from a request's Host header, which a client controls.
   */
  publicUrl: string | null;
  /**
   * Serve the Grok 3D surface (/compat/grok3d) without a key to requests from loopback
   * addresses, acting as the local account (`--grok3d-open`, RENDERBAY_GROK3D_OPEN=1): its
   * documented clients send none. Off by default; other addresses still need a key.
   */
  grok3dOpen: boolean;
}

export interface WebhookConfig {
  /** Time a receiver gets to answer one attempt (ms). */
  timeoutMs: number;
  /** First retry delay; doubles per failed attempt up to `retryMaxMs` (ms). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A delivery fails for good when an attempt fails this long after its event (ms). */
  retryWindowMs: number;
}

export type HttpConfig = ConnectionPolicy;

export function defaultDataDirectory(): string {
  return path.join(os.homedir(), '.renderbay');
}

function integer(value: string | undefined, fallback: number): number {
  const parsed = value === undefined || value === '' ? Number.NaN : Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : fallback;
}

/** A typo must not be read as "keep forever" or "delete everything": anything but a positive number is refused. */
export function retentionDays(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0) throw new RenderbayError('invalid_request', `retention days must be a positive number (got "${value}")`);
  return days;
}

/** A positive number of `unit`s (decimals allowed: tests shorten timeouts to fractions of a second). */
function positive(value: string | undefined, unit: number, fallback: number): number {
  const parsed = value === undefined || value === '' ? Number.NaN : Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? Math.round(parsed * unit) : fallback;
}

/** RENDERBAY_MAX_CONNECTIONS (a count), the timeouts in seconds and the minimum body rate in KB/s. */
export function resolveHttpConfig(overrides: Partial<HttpConfig> = {}, env: NodeJS.ProcessEnv = process.env): HttpConfig {
  return {
    maxConnections: overrides.maxConnections ?? positive(env.RENDERBAY_MAX_CONNECTIONS, 1, LIMITS.httpMaxConnections),
    headersTimeoutMs: overrides.headersTimeoutMs ?? positive(env.RENDERBAY_HEADERS_TIMEOUT, 1000, LIMITS.httpHeadersTimeoutMs),
    minBodyBytesPerSecond: overrides.minBodyBytesPerSecond ?? positive(env.RENDERBAY_MIN_BODY_RATE, 1024, LIMITS.httpMinBodyBytesPerSecond),
    bodyRateWindowMs: overrides.bodyRateWindowMs ?? positive(env.RENDERBAY_BODY_RATE_WINDOW, 1000, LIMITS.httpBodyRateWindowMs),
    keepAliveTimeoutMs: overrides.keepAliveTimeoutMs ?? positive(env.RENDERBAY_KEEP_ALIVE_TIMEOUT, 1000, LIMITS.httpKeepAliveTimeoutMs),
    idleTimeoutMs: overrides.idleTimeoutMs ?? positive(env.RENDERBAY_IDLE_TIMEOUT, 1000, LIMITS.httpIdleTimeoutMs),
  };
}

/** RENDERBAY_WEBHOOK_TIMEOUT, _RETRY_BASE, _RETRY_MAX and _RETRY_WINDOW, in seconds (decimals allowed). */
export function resolveWebhookConfig(overrides: Partial<WebhookConfig> = {}, env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  return {
    timeoutMs: overrides.timeoutMs ?? positive(env.RENDERBAY_WEBHOOK_TIMEOUT, 1000, LIMITS.webhookTimeoutMs),
    retryBaseMs: overrides.retryBaseMs ?? positive(env.RENDERBAY_WEBHOOK_RETRY_BASE, 1000, LIMITS.webhookRetryBaseMs),
    retryMaxMs: overrides.retryMaxMs ?? positive(env.RENDERBAY_WEBHOOK_RETRY_MAX, 1000, LIMITS.webhookRetryMaxMs),
    retryWindowMs: overrides.retryWindowMs ?? positive(env.RENDERBAY_WEBHOOK_RETRY_WINDOW, 1000, LIMITS.webhookRetryWindowMs),
  };
}

/** Each origin as a browser sends it (`scheme://host[:port]`, no path); `invalid_request` otherwise. */
export function corsOrigins(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '')
    .map((value) => {
      let origin: string | null = null;
      try {
        const url = new URL(value);
        if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '')) origin = url.origin;
      } catch {
        /* reported below */
      }
      if (origin === null) throw new RenderbayError('invalid_request', `--cors-origin must be an origin such as https://app.example.com (scheme, host and port only), got "${value}"`);
      return origin;
    });
}

export function resolveConfig(overrides: Partial<ServerConfig> = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    dataDirectory: path.resolve(overrides.dataDirectory ?? env.RENDERBAY_DATA ?? defaultDataDirectory()),
    host: overrides.host ?? env.RENDERBAY_HOST ?? '127.0.0.1',
    port: overrides.port ?? integer(env.RENDERBAY_PORT, 8080),
    concurrency: Math.max(1, overrides.concurrency ?? integer(env.RENDERBAY_CONCURRENCY, Math.max(1, Math.floor(os.cpus().length / 2)))),
    allowPrivateUrls: overrides.allowPrivateUrls ?? ['1', 'true', 'yes'].includes((env.RENDERBAY_ALLOW_PRIVATE_URLS ?? '').toLowerCase()),
    initialCredits: overrides.initialCredits ?? integer(env.RENDERBAY_INITIAL_CREDITS, 100),
    maxRenderAttempts: Math.max(1, overrides.maxRenderAttempts ?? integer(env.RENDERBAY_MAX_RENDER_ATTEMPTS, 3)),
    maxConcurrentUploads: Math.max(1, overrides.maxConcurrentUploads ?? integer(env.RENDERBAY_MAX_CONCURRENT_UPLOADS, 4)),
    retentionDays: overrides.retentionDays !== undefined ? overrides.retentionDays : retentionDays(env.RENDERBAY_RETENTION_DAYS),
    http: resolveHttpConfig(overrides.http, env),
    corsOrigins: overrides.corsOrigins ?? corsOrigins(env.RENDERBAY_CORS_ORIGINS ? [env.RENDERBAY_CORS_ORIGINS] : []),
    webhooks: resolveWebhookConfig(overrides.webhooks, env),
    publicUrl: overrides.publicUrl !== undefined ? overrides.publicUrl : publicUrl(env.RENDERBAY_PUBLIC_URL),
    grok3dOpen: overrides.grok3dOpen ?? ['1', 'true', 'yes'].includes((env.RENDERBAY_GROK3D_OPEN ?? '').toLowerCase()),
  };
}

/** An http(s) base URL without a trailing slash; anything else is refused rather than handed out to clients. */
export function publicUrl(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RenderbayError('invalid_request', `public URL must be an http(s) URL (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RenderbayError('invalid_request', `public URL must be an http(s) URL (got "${value}")`);
  return url.href.replace(/\/+$/, '');
}
