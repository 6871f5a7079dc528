/**
 * A portal session from plain HTTP (no browser): signs in through the form exactly as a browser
 * does (sign-in CSRF cookie + hidden field), then reads the session's CSRF token from the app
 * page, so API tests can call /portal/api with the cookie and the X-CSRF-Token header.
 */
import assert from 'node:assert/strict';

export interface PortalSession {
  origin: string;
  cookie: string;
  csrf: string;
}

const cookieValue = (setCookies: string[], name: string) => setCookies.find((line) => line.startsWith(`${name}=`))?.split(';')[0].slice(name.length + 1);

export async function portalSession(origin: string, key: string): Promise<PortalSession> {
  const form = await fetch(`${origin}/portal/signin`);
  const signinToken = cookieValue(form.headers.getSetCookie(), 'rb_portal_signin')!;
  const signedIn = await fetch(`${origin}/portal/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `rb_portal_signin=${signinToken}`, origin },
    body: new URLSearchParams({ csrf: signinToken, key }).toString(),
  });
  assert.equal(signedIn.status, 303, await signedIn.text());
  const cookie = `rb_portal_session=${cookieValue(signedIn.headers.getSetCookie(), 'rb_portal_session')}`;
  const page = await (await fetch(`${origin}/portal`, { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1];
  assert.ok(csrf, page);
  return { origin, cookie, csrf };
}

/** A call to /portal/api with the session cookie; `csrf: false` leaves the header out, a string sends that instead. */
export async function portalCall(session: PortalSession, method: string, route: string, body?: unknown, options: { csrf?: string | false; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { cookie: session.cookie, ...options.headers };
  if (options.csrf !== false) headers['x-csrf-token'] = options.csrf ?? session.csrf;
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${session.origin}/portal/api${route}`, { method, headers, body: payload });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export interface StreamEvent {
  event: string;
  id: number;
  data: any;
}

/**
 * Reads the portal's event stream over real HTTP and collects its events until `until` says
 * enough (or the deadline passes: then it throws with what arrived).
 */
export async function collectEvents(session: PortalSession, until: (events: StreamEvent[]) => boolean, timeoutMs: number, onReady?: () => Promise<void>): Promise<StreamEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: StreamEvent[] = [];
  try {
    const response = await fetch(`${session.origin}/portal/api/events`, { headers: { cookie: session.cookie, accept: 'text/event-stream' }, signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = '';
    let started = false;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
        if (!fields.event) continue;
        events.push({ event: fields.event, id: Number(fields.id), data: JSON.parse(fields.data) });
        if (fields.event === 'ready' && !started) {
          started = true;
          await onReady?.();
        }
      }
      if (until(events)) return events;
    }
    throw new Error(`the stream ended after ${events.length} events`);
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`no end after ${timeoutMs} ms; events: ${JSON.stringify(events)}`);
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
