/**
 * `Prefer: wait=<seconds>` (RFC 7240) on POST /v1/renders: how long the client is willing to
 * wait for the render to finish in the same request. Other preferences in the header are
 * ignored; a wait outside 1–120 seconds is refused before anything is created or charged.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';

/** The seconds asked for, or null when the header asks for no wait. */
export function preferredWaitSeconds(headers: IncomingHttpHeaders): number | null {
  const header = headers.prefer;
  if (header === undefined) return null;
  const preferences = (Array.isArray(header) ? header.join(',') : header).split(/[,;]/).map((token) => token.trim());
  const wait = preferences.find((token) => /^wait\s*=/i.test(token));
  if (wait === undefined) return null;
  const value = wait.slice(wait.indexOf('=') + 1).trim().replace(/^"(.*)"$/, '$1');
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 1 && seconds <= LIMITS.maxPreferWaitSeconds)) {
    throw new RenderbayError('invalid_prefer', `Prefer: wait must be a whole number of seconds from 1 to ${LIMITS.maxPreferWaitSeconds} (got "${value}")`, 400);
  }
  return seconds;
}

/**
 * The answer to a create with `Prefer: wait`: 200 with the finished resource and
 * `Preference-Applied: wait`, or 202 with it as it stands once the wait is over. A client
 * that hangs up ends the wait (nothing is held but a timer).
 */
export async function waitedAnswer<Resource>(
  response: ServerResponse,
  waitSeconds: number,
  wait: (timeoutMs: number, signal: AbortSignal) => Promise<Resource>,
  finished: (resource: Resource) => boolean,
): Promise<{ status: number; data: Resource }> {
  const gone = new AbortController();
  response.once('close', () => gone.abort());
  const current = await wait(waitSeconds * 1000, gone.signal);
  if (!finished(current)) return { status: 202, data: current };
  response.setHeader('Preference-Applied', 'wait');
  return { status: 200, data: current };
}
