/**
 * Slow clients on 127.0.0.1, for the connection test and `npm run bench:connections`: clients
 * that trickle their headers, trickle an upload body, or sit idle on a keep-alive connection.
 * With `reconnect`, each reconnects when the server cuts it, so the pressure stays on until
 * `stop()` (a bounded slow-client loop); without, `stop()` waits for the server to cut them
 * and the report says after how long. `timeRequests` measures what a legitimate client sees.
 *
 * `startSlowClients` runs the clients in a worker thread: hundreds of sockets reconnecting
 * every few milliseconds keep an event loop busy, and in the test's own loop that delayed the
 * legitimate client's request by as much as the server's grace periods. Attackers are other
 * machines; the legitimate client should not wait on them in its own process.
 */
import http from 'node:http';
import net from 'node:net';
import { Worker } from 'node:worker_threads';

export type SlowKind = 'headers' | 'body' | 'idle';
export const SLOW_KINDS: readonly SlowKind[] = ['headers', 'body', 'idle'];

export interface SlowClientOptions {
  /** The API base URL, e.g. http://127.0.0.1:1234/v1 */
  apiUrl: string;
  /** For the upload (body) clients. */
  key: string;
  counts: Record<SlowKind, number>;
  /** Reconnect each client the server cuts (until `stop()`). */
  reconnect: boolean;
  /** One byte (headers, body) every this many ms. */
  trickleMs?: number;
}

export interface SlowKindReport {
  /** Connections made over the whole loop. */
  connections: number;
  /** Connect attempts that failed (refused, or reset before connecting). */
  failedConnects: number;
  /** For each connection the server cut: ms from its connect (idle ones: from their answer) to the cut. */
  cutAfterMs: number[];
  /** Connections the server had not cut when `stop()` gave up waiting (and closed them). */
  survivors: number;
  /** Status codes the server answered closed connections with ('none': closed without a word). */
  statuses: Record<string, number>;
}

export interface SlowClientLoop {
  /** Slow connections open now. */
  open(): number;
  /** Waits until at least `count` are open (or `timeoutMs` passed); returns how many are. */
  whenOpen(count: number, timeoutMs: number): Promise<number>;
  /** Stops reconnecting, waits up to `waitMs` for the server to cut the connections still open, then closes the rest. */
  stop(waitMs: number): Promise<Record<SlowKind, SlowKindReport>>;
}

interface OpenClient {
  kind: SlowKind;
  /** When the server's cut counts from: the connect, or the end of the answer for idle clients. */
  since(): number;
  closed: Promise<void>;
}

const BOUNDARY = 'slowclientboundary';

/** Messages from the worker (`slow-clients-worker.ts`). */
export type SlowClientsWorkerMessage = { type: 'open'; open: number } | { type: 'stopped'; reports: Record<SlowKind, SlowKindReport> };

/** The slow clients in a worker thread of their own (see the module comment); `open()` is the count the worker last posted (every 10 ms). */
export function startSlowClients(options: SlowClientOptions): SlowClientLoop {
  const worker = new Worker(new URL('./slow-clients-worker.js', import.meta.url), { workerData: options });
  let open = 0;
  let stopped: Promise<Record<SlowKind, SlowKindReport>> | null = null;
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  failed.catch(() => undefined);
  worker.on('message', (message: SlowClientsWorkerMessage) => {
    if (message.type === 'open') open = message.open;
  });
  return {
    open: () => open,
    whenOpen: async (count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (open < count && Date.now() < deadline) await Promise.race([new Promise((resolve) => setTimeout(resolve, 20)), failed]);
      return open;
    },
    stop: (waitMs) =>
      (stopped ??= (async () => {
        const reports = new Promise<Record<SlowKind, SlowKindReport>>((resolve) =>
          worker.on('message', (message: SlowClientsWorkerMessage) => message.type === 'stopped' && resolve(message.reports)),
        );
        worker.postMessage({ type: 'stop', waitMs });
        const result = await Promise.race([reports, failed]);
        await worker.terminate();
        return result;
      })()),
  };
}

/** The slow clients in this thread's own event loop (what the worker runs). */
export function runSlowClients(options: SlowClientOptions): SlowClientLoop {
  const url = new URL(options.apiUrl);
  const trickleMs = options.trickleMs ?? 300;
  const emptyReport = (): SlowKindReport => ({ connections: 0, failedConnects: 0, cutAfterMs: [], survivors: 0, statuses: {} });
  const reports: Record<SlowKind, SlowKindReport> = { headers: emptyReport(), body: emptyReport(), idle: emptyReport() };
  const open = new Map<net.Socket, OpenClient>();
  let running = true;
  const givenUp = new WeakSet<net.Socket>();

  const firstBytes: Record<SlowKind, string> = {
    headers: `GET ${url.pathname}/health HTTP/1.1\r\nHost: ${url.host}\r\n`,
    body:
      `POST ${url.pathname}/models HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${options.key}\r\n` +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.glb"\r\nContent-Type: model/gltf-binary\r\n\r\n`,
    idle: `GET ${url.pathname}/health HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`,
  };

  function connect(kind: SlowKind): void {
    if (!running) return;
    const report = reports[kind];
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    let connectedAt = 0;
    let answeredAt = 0;
    let received = '';
    let trickle: NodeJS.Timeout | undefined;
    let markClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      if (!running) return void socket.destroy(); // connected after stop(): not part of the measured batch
      connectedAt = Date.now();
      report.connections += 1;
      open.set(socket, { kind, since: () => answeredAt || connectedAt, closed });
      socket.write(firstBytes[kind]);
      // Headers: one more header-name byte at a time, never the blank line. Body: one byte of the file at a time.
      if (kind !== 'idle') trickle = setInterval(() => socket.write(kind === 'headers' ? 'x' : '\0'), trickleMs);
    });
    socket.on('data', (chunk: Buffer) => {
      if (received.length < 200) received += chunk.toString('latin1');
      if (kind === 'idle' && !answeredAt && received.includes('\r\n\r\n')) answeredAt = Date.now();
    });
    socket.once('close', () => {
      clearInterval(trickle);
      const client = open.get(socket);
      open.delete(socket);
      if (!connectedAt) report.failedConnects += 1;
      else {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 'none';
        report.statuses[status] = (report.statuses[status] ?? 0) + 1;
        if (client && !givenUp.has(socket)) report.cutAfterMs.push(Date.now() - client.since());
      }
      markClosed();
      // Reconnect; a little later after a failed connect, so a refusing server is not hammered.
      if (running && options.reconnect) setTimeout(() => connect(kind), connectedAt ? 10 : 100);
    });
  }

  for (const kind of SLOW_KINDS) for (let index = 0; index < options.counts[kind]; index++) connect(kind);

  return {
    open: () => open.size,
    whenOpen: async (count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (open.size < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return open.size;
    },
    stop: async (waitMs) => {
      running = false;
      const closing = Promise.all([...open.values()].map((client) => client.closed));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closing, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
      for (const [socket, client] of open) {
        reports[client.kind].survivors += 1;
        givenUp.add(socket);
        socket.destroy();
      }
      return reports;
    },
  };
}

export interface RequestTimings {
  /** ms of each request answered with `expectStatus`. */
  latenciesMs: number[];
  /** Requests that failed or timed out, with why. */
  failures: string[];
}

/** `count` requests one after another, each on a fresh connection (as a new client would open), each given `timeoutMs`. */
export async function timeRequests(apiUrl: string, key: string, count: number, options: { path?: string; timeoutMs?: number; expectStatus?: number } = {}): Promise<RequestTimings> {
  const timings: RequestTimings = { latenciesMs: [], failures: [] };
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const request = http.get(`${apiUrl}${options.path ?? '/account'}`, { agent: false, headers: { authorization: `Bearer ${key}` }, timeout: options.timeoutMs ?? 10_000 }, (response) => {
          response.resume();
          response.once('end', () => resolve(response.statusCode ?? 0));
          response.once('error', reject);
        });
        request.once('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)));
        request.once('error', reject);
      });
      if (status === (options.expectStatus ?? 200)) timings.latenciesMs.push(performance.now() - started);
      else timings.failures.push(`status ${status}`);
    } catch (error) {
      timings.failures.push((error as Error).message);
    }
  }
  return timings;
}
