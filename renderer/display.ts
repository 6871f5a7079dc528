/**
 * The X display headless-gl needs on Linux. When DISPLAY is unset, Renderbay starts its
 * own Xvfb once (lazily, on the first render), reuses it for every render of this
 * process, and stops it when the process exits. A user never types xvfb-run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { RenderbayError } from '../src/errors.js';

const NAME = 'display';

let ownServer: ChildProcess | null = null;
let ownDisplay: Promise<string> | null = null;

/** Returns a usable DISPLAY value, starting a private Xvfb if the environment has none. */
export function ensureDisplay(): Promise<string> {
  const existing = process.env.DISPLAY;
  if (existing) return Promise.resolve(existing);
  ownDisplay ??= startXvfb().catch((error) => {
    ownDisplay = null;
    throw error;
  });
  return ownDisplay;
}

/** Stops the Xvfb this process started, if any. */
export function stopDisplay(): void {
  if (ownServer && ownServer.exitCode === null) ownServer.kill('SIGTERM');
  ownServer = null;
  ownDisplay = null;
}

function startXvfb(): Promise<string> {
  return new Promise((resolve, reject) => {
    // -displayfd makes Xvfb choose a free display number and write it to fd 3 once it is
    // ready to accept connections, so there is no race and no guessing of :99.
    // A small shell guard owns Xvfb and stops it when this process is gone, even after a
    // SIGKILL that gives Node no chance to clean up (a crashed server must not leak X servers).
    const guard = [
      'Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp & xvfb=$!',
      'trap \'kill $xvfb 2>/dev/null; exit 0\' TERM INT HUP',
      'while kill -0 "$1" 2>/dev/null && kill -0 $xvfb 2>/dev/null; do sleep 1; done',
      'kill $xvfb 2>/dev/null; wait $xvfb',
    ].join('\n');
    const server = spawn('sh', ['-c', guard, 'renderbay-xvfb', String(process.pid)], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let announced = '';
    const fail = (reason: string) =>
      reject(
        new RenderbayError(
          'display_unavailable',
          `${NAME}: could not start Xvfb (${reason}). Install it with scripts/setup.sh, or set DISPLAY to a running X server.`,
          500,
        ),
      );
    server.on('error', (error) => fail(error.message));
    server.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    server.stdio[3]?.on('data', (chunk) => {
      announced += String(chunk);
      if (!announced.includes('\n')) return;
      ownServer = server;
      server.unref();
      (server.stdio[3] as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
      server.stderr?.removeAllListeners('data');
      (server.stderr as unknown as { unref?: () => void })?.unref?.();
      resolve(`:${announced.trim()}`);
    });
    server.on('exit', (code) => {
      if (!announced.includes('\n')) fail(`exit code ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
    });
  });
}

process.on('exit', stopDisplay);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    stopDisplay();
    // Keep the default behaviour (terminate) unless the application handles the signal itself.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}
