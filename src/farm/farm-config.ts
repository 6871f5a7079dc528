/**
 * Where a farm's queue and store are: `--queue redis://host:6379` / RENDERBAY_QUEUE and
 * `--store s3://bucket/prefix` / RENDERBAY_STORE. Both or neither: a queue without a shared
 * store (or the reverse) could not work, and is refused before anything starts.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface FarmConfig {
  queueUrl: string;
  storeUrl: string;
  /** A worker's lock on a pass (ms) and the stall/loss checks' interval (ms); RENDERBAY_FARM_LOCK_MS / _CHECK_MS shorten them for tests. */
  lockMs: number;
  checkMs: number;
  /**
   * `--store-presign-seconds` / RENDERBAY_STORE_PRESIGN_SECONDS: asset downloads answer 302 to a
   * presigned GET URL of the object store valid this long, instead of streaming through the
   * control plane; null (the default) streams. Only the control plane (`serve`) uses it.
   */
  presignSeconds: number | null;
}

export function resolveFarmConfig(options: { queue?: string; store?: string; storePresignSeconds?: string }, env: NodeJS.ProcessEnv = process.env): FarmConfig | null {
  const queueUrl = options.queue ?? env.RENDERBAY_QUEUE ?? '';
  const storeUrl = options.store ?? env.RENDERBAY_STORE ?? '';
  const presign = options.storePresignSeconds ?? env.RENDERBAY_STORE_PRESIGN_SECONDS ?? '';
  if (!queueUrl && !storeUrl) {
    if (options.storePresignSeconds !== undefined) throw new RenderbayError('invalid_request', '--store-presign-seconds needs a render farm (--queue and --store)');
    return null;
  }
  if (!queueUrl || !storeUrl) throw new RenderbayError('invalid_request', 'a render farm needs both --queue redis://… (RENDERBAY_QUEUE) and --store s3://… (RENDERBAY_STORE)');
  redisConnection(queueUrl); // refuse a malformed URL now (nothing connects yet)
  return {
    queueUrl,
    storeUrl,
    lockMs: positive(env.RENDERBAY_FARM_LOCK_MS, LIMITS.farmLockMs),
    checkMs: positive(env.RENDERBAY_FARM_CHECK_MS, LIMITS.farmCheckMs),
    presignSeconds: presign === '' ? null : presignSeconds(presign),
  };
}

/** Whole seconds within what S3 signs (SigV4 presigned URLs live at most 7 days). */
function presignSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < LIMITS.storePresignMinSeconds || seconds > LIMITS.storePresignMaxSeconds) {
    throw new RenderbayError('invalid_request', `--store-presign-seconds (RENDERBAY_STORE_PRESIGN_SECONDS) must be a whole number of seconds from ${LIMITS.storePresignMinSeconds} to ${LIMITS.storePresignMaxSeconds} (got "${value}")`);
  }
  return seconds;
}

/**
 * A Redis connection for BullMQ (which, under ESM, takes a constructed ioredis client; the
 * owner closes it with `.disconnect()` after the BullMQ object using it).
 */
export function redisClient(url: string, options: RedisOptions = {}): Redis {
  return new Redis({ ...redisConnection(url), ...options });
}

/**
 * The connection options for `redis://[user:password@]host:port[/db]` (`rediss://` for TLS).
 * Commands wait for a lost connection to come back (maxRetriesPerRequest: null) rather
 * than fail: a Redis restart pauses the farm, it does not burn render attempts.
 */
export function redisConnection(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new RenderbayError('invalid_request', `--queue must be a redis:// URL (got "${url}")`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db: Number(parsed.pathname.slice(1) || 0),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

function positive(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}
