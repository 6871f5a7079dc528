/**
 * Keeps an HTTP server answering while slow, idle or hostile clients hold connections.
 *
 * Each connection is in one of three phases, and each phase has its own bound:
 * - waiting for a request (idle keep-alive, or headers still arriving): Node's
 *   `keepAliveTimeout` and `headersTimeout` (checked every `connectionsCheckingInterval`);
 * - receiving a request body: at least `minBodyBytesPerSecond` over every sliding window of
 *   `bodyRateWindowMs` (not one flat deadline, so a 100 MB upload over a slow link succeeds
 *   while a body that trickles is cut within a window). Time in which the server itself is not
 *   reading (backpressure, a handler that has not started on the body) does not count;
 * - answering: no limit but `idleTimeoutMs` of silence in both directions, so MCP waits,
 *   blocking calls, event streams and downloads to slow readers run as long as they need.
 *
 * At most `maxConnections` are held. When a new one arrives at the cap, it takes the place of
 * the connection that has waited longest without a request in flight (sparing, while it can,
 * one that has not sent a byte yet: its request may simply not have left a busy client), or
 * else of the slowest body below the minimum rate; only when every connection is busy with
 * useful work is the new one refused (503). Slow clients therefore cannot lock legitimate ones out, and the process
 * never runs out of file descriptors (the cap is fitted under the descriptor limit).
 *
 * @example
 * const server = http.createServer(httpServerOptions(limits), handler);
 * guardConnections(server, limits);
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What an operator sets (README, "Connections and timeouts"). */
export interface ConnectionPolicy {
  /** Connections held at once (lowered by `fitConnectionCap` to fit the descriptor limit). */
  maxConnections: number;
  /** From a request's first byte to the end of its headers (ms). */
  headersTimeoutMs: number;
  /** Slowest acceptable request body (bytes/s), measured over `bodyRateWindowMs`. */
  minBodyBytesPerSecond: number;
  bodyRateWindowMs: number;
  /** Between requests on one connection (ms). */
  keepAliveTimeoutMs: number;
  /** No byte either way while a request or response is under way (ms). */
  idleTimeoutMs: number;
}

export interface ConnectionLimits extends ConnectionPolicy {
  /** Largest request body the server accepts (bytes); bounds the whole request as a backstop. */
  maxBodyBytes: number;
  /** How long a body must have been arriving before its rate can get it evicted for a new connection (ms). */
  evictionGraceMs: number;
}

/** Connections Node may hold beyond the cap for a moment: an evicted socket is counted until its close event. */
const EVICTION_HEADROOM = 32;
/**
 * Connections let in over the cap while they have sent nothing (see `makeRoom`);
 * they hold a socket each, so the descriptor budget reserves them too.
 */
export const SILENT_OVERFLOW = 64;
/** How often connections over the cap are looked at again for one that can go. */
const TRIM_DELAY_MS = 50;

const NAME = 'connection-guard';

/** The node:http options these limits translate to; pass them to `http.createServer`. */
export function httpServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // A backstop only: the body rate is the real bound. Even the largest body at the minimum
    // rate fits, so a legitimate upload never meets it.
    requestTimeout: requestBackstopMs(limits),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks headersTimeout/requestTimeout only this often (30 s by default).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

export function requestBackstopMs(limits: ConnectionLimits): number {
  return limits.headersTimeoutMs + limits.bodyRateWindowMs + Math.ceil((limits.maxBodyBytes / limits.minBodyBytesPerSecond) * 1000);
}

/**
 * The connection cap that fits this process: `wanted`, lowered so that the connections, each
 * with one file of its own (the upload it writes, the download it reads), the eviction
 * headroom and `reserve` descriptors for everything else stay under the file-descriptor limit
 * (read from /proc on Linux; elsewhere `wanted` is kept).
 */
export function fitConnectionCap(wanted: number, reserve: number, descriptorLimit = openFileLimit()): number {
  if (!Number.isFinite(descriptorLimit)) return wanted;
  return Math.max(8, Math.min(wanted, Math.floor((descriptorLimit - reserve - EVICTION_HEADROOM - SILENT_OVERFLOW) / 2)));
}

/** The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start), or Infinity if unknown. */
export function openFileLimit(): number {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const value = Number(line?.[1]);
    return Number.isFinite(value) && value > 0 ? value : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

interface TrackedConnection {
  socket: Socket;
  /** When it began waiting for its next request: the connect, or the end of the last response. */
  waitingSince: number;
  /** The request being answered, if any. */
  request: IncomingMessage | null;
  /** The latest request while its body is still arriving, even after it was answered (Node then reads and drops the rest). */
  body: BodyProgress | null;
}

interface BodyProgress {
  request: IncomingMessage;
  response: ServerResponse;
  startedAt: number;
  startBytes: number;
  /** (time, socket.bytesRead) while the body arrives, oldest first, spanning about one window. */
  samples: Array<{ at: number; bytes: number }>;
}

export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  log: (message: string) => void = (message) => process.stderr.write(`renderbay ${NAME}: ${message}\n`),
): void {
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections + EVICTION_HEADROOM + SILENT_OVERFLOW;
  const tracked = new Map<Socket, TrackedConnection>();
  let refused = 0;
  let lastRefusalLog = 0;
  const minBodyBytesPerWindow = (limits.minBodyBytesPerSecond * limits.bodyRateWindowMs) / 1000;

  server.on('connection', (socket: Socket) => {
    const now = Date.now();
    if (tracked.size >= limits.maxConnections && !makeRoom(now, tracked.size < limits.maxConnections + SILENT_OVERFLOW)) {
      refused += 1;
      if (now - lastRefusalLog > 10_000) {
        lastRefusalLog = now;
        log(`${limits.maxConnections} connections open, all busy: refusing new ones (${refused} so far)`);
      }
      refuse(socket);
      return;
    }
    tracked.set(socket, { socket, waitingSince: now, request: null, body: null });
    socket.once('close', () => tracked.delete(socket));
  });

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const connection = tracked.get(request.socket);
    if (!connection) return;
    const now = Date.now();
    const bytes = request.socket.bytesRead;
    connection.request = request;
    connection.body = { request, response, startedAt: now, startBytes: bytes, samples: [{ at: now, bytes }] };
    response.once('close', () => {
      if (connection.request !== request) return; // a pipelined request took over
      connection.request = null;
      connection.waitingSince = Date.now();
    });
  });

  const tickMs = Math.max(50, Math.min(1000, Math.floor(limits.bodyRateWindowMs / 10)));
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const connection of tracked.values()) {
      const body = arrivingBody(connection);
      if (body) checkBodyRate(connection, body, now);
    }
  }, tickMs);
  ticker.unref();
  server.once('close', () => clearInterval(ticker));

  /** The body still arriving on this connection, if any. */
  function arrivingBody(connection: TrackedConnection): BodyProgress | null {
    if (connection.body && (connection.body.request.complete || connection.socket.destroyed)) connection.body = null;
    return connection.body;
  }

  /** True while the server, not the client, holds the body up: data buffered unread, or reading paused. */
  function serverHoldsBody(connection: TrackedConnection, body: BodyProgress): boolean {
    return connection.socket.isPaused() || body.request.readableLength > 0;
  }

  function checkBodyRate(connection: TrackedConnection, body: BodyProgress, now: number): void {
    const bytes = connection.socket.bytesRead;
    if (serverHoldsBody(connection, body)) {
      body.samples = [{ at: now, bytes }];
      return;
    }
    body.samples.push({ at: now, bytes });
    // The newest sample at least one window old: the rate since then is the rate over (about) the last window.
    let start = -1;
    while (start + 1 < body.samples.length && body.samples[start + 1].at <= now - limits.bodyRateWindowMs) start += 1;
    if (start < 0) return;
    if (bytes - body.samples[start].bytes < minBodyBytesPerWindow) {
      cutSlowBody(connection, body);
      return;
    }
    body.samples.splice(0, start);
  }

  function cutSlowBody(connection: TrackedConnection, body: BodyProgress): void {
    tracked.delete(connection.socket);
    const { response } = body;
    if (!response.headersSent) {
      const rate = `${Number((limits.minBodyBytesPerSecond / 1024).toFixed(1))} KB/s`;
      const text = JSON.stringify({
        error: { code: 'request_timeout', message: `The request body arrived slower than ${rate} over ${limits.bodyRateWindowMs / 1000} s; send it faster or retry`, status: 408 },
      });
      response.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
      response.end(text);
    }
    // Give the 408 a moment to leave before the socket (and with it the request) is torn down.
    setTimeout(() => connection.socket.destroy(), 500).unref();
  }

  type Victim = { waiting: TrackedConnection } | { slow: TrackedConnection; body: BodyProgress };

  /**
   * Frees a place for a new connection (false when every connection is doing useful work).
   * With `mayOverflow`, when the only connections that could go have not sent a byte yet,
   * the newcomer is let in over the cap instead and the choice is made later (`scheduleTrim`
   * looks again every TRIM_DELAY_MS), once some of them have spoken: under a burst of
   * reconnects a whole batch of sockets is accepted before any of them is read, and choosing
   * then would be choosing blind.
   */
  function makeRoom(now: number, mayOverflow: boolean): boolean {
    const victim = pickVictim(now);
    if (!victim) return false;
    if (mayOverflow && 'waiting' in victim && isSilent(victim.waiting)) {
      scheduleTrim();
      return true;
    }
    evict(victim);
    return true;
  }

  let trimTimer: NodeJS.Timeout | null = null;
  function scheduleTrim(): void {
    if (trimTimer) return;
    trimTimer = setTimeout(() => {
      trimTimer = null;
      const now = Date.now();
      while (tracked.size > limits.maxConnections) {
        const victim = pickVictim(now);
        // All busy with useful work: the overflow stays bounded by SILENT_OVERFLOW.
        if (!victim) break;
        // Only connections not yet heard from could go: their first bytes may simply not have
        // been sent or read yet, so look again later. Node's headersTimeout cuts the ones that
        // stay silent, and a newcomer arriving with the overflow full still evicts the oldest.
        if ('waiting' in victim && isSilent(victim.waiting)) {
          scheduleTrim();
          break;
        }
        evict(victim);
      }
    }, TRIM_DELAY_MS);
    trimTimer.unref();
  }
  server.once('close', () => trimTimer && clearTimeout(trimTimer));

  /** The connection waiting longest without a request in flight (see `evictsBefore`), else the slowest body below the minimum rate. */
  function pickVictim(now: number): Victim | null {
    let waiting: TrackedConnection | null = null;
    let slowest: { connection: TrackedConnection; body: BodyProgress; rate: number } | null = null;
    for (const connection of tracked.values()) {
      if (connection.request === null) {
        if (!waiting || evictsBefore(connection, waiting)) waiting = connection;
        continue;
      }
      const body = arrivingBody(connection);
      if (!body || serverHoldsBody(connection, body) || now - body.startedAt < limits.evictionGraceMs) continue;
      const rate = ((connection.socket.bytesRead - body.startBytes) * 1000) / (now - body.startedAt);
      if (rate < limits.minBodyBytesPerSecond && (!slowest || rate < slowest.rate)) slowest = { connection, body, rate };
    }
    if (waiting) return { waiting };
    if (slowest) return { slow: slowest.connection, body: slowest.body };
    return null;
  }

  function evict(victim: Victim): void {
    if ('waiting' in victim) {
      tracked.delete(victim.waiting.socket);
      victim.waiting.socket.destroy();
    } else {
      cutSlowBody(victim.slow, victim.body);
    }
  }
}

/**
 * A connection that has not sent a byte since it was accepted. It is spared while others can be
 * evicted, for as long as it stays silent (Node's headersTimeout bounds that). A client that
 * reconnects as soon as it is cut makes every arrival evict someone; were the oldest simply
 * taken, a flood of reconnects would turn the whole pool over faster than a legitimate
 * connection's request is read (measured: 80 connections replaced every ~60 ms with 300
 * reconnecting slow clients). A fixed grace is not enough either: a client on a loaded machine
 * may send its request more than a second after the server accepted it (CI saw 3 of 20
 * legitimate requests cut so with a 1 s grace), and at that age it was the oldest in a pool
 * that turns over every few tens of milliseconds, so the next arrival evicted it.
 */
function isSilent(connection: TrackedConnection): boolean {
  return connection.socket.bytesRead === 0;
}

/**
 * Eviction order among waiting connections: those already heard from (idle keep-alive,
 * headers trickling in) go first, oldest first; then silent ones, oldest first. Never a
 * refusal: when only silent connections wait, the oldest of them still goes.
 */
function evictsBefore(candidate: TrackedConnection, current: TrackedConnection): boolean {
  const spared = isSilent(candidate);
  if (spared !== isSilent(current)) return !spared;
  return candidate.waitingSince < current.waitingSince;
}

const BUSY_BODY = JSON.stringify({ error: { code: 'server_busy', message: 'Too many connections are busy; retry in a moment', status: 503 } });
const BUSY_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(BUSY_BODY)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${BUSY_BODY}`;

/** Answers 503 before any request is read and closes: the client sees why, not a reset. */
function refuse(socket: Socket): void {
  socket.on('error', () => undefined);
  socket.end(BUSY_RESPONSE);
  setTimeout(() => socket.destroy(), 500).unref();
}
