/**
 * The app's one way to talk to the server: same-origin JSON under /portal/api, authenticated by
 * the HttpOnly session cookie the browser sends by itself; every change carries the session's
 * CSRF token (from the page's <meta>) in X-CSRF-Token. Uploads go through XMLHttpRequest for
 * its upload progress; live changes arrive on one shared EventSource.
 */
import type { ModelChange, RenderChange } from '../live-events.js';

export type { ModelChange, RenderChange };

export const API = '/portal/api';

const csrfToken = () => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

export interface Envelope<T> {
  data: T;
  meta?: { total: number; offset: number; limit: number };
}

export async function call<T = any>(method: string, route: string, body?: unknown): Promise<Envelope<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${API}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const parsed = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401) location.assign('/portal/signin');
    throw new ApiError(parsed?.error?.code ?? 'http_error', parsed?.error?.message ?? `HTTP ${response.status}`, response.status);
  }
  return parsed as Envelope<T>;
}

export const get = <T = any>(route: string) => call<T>('GET', route).then((envelope) => envelope);

/** A multipart POST with upload progress (0–1) reported as the bytes leave. */
export function upload<T = any>(route: string, form: FormData, onProgress: (fraction: number) => void): Promise<Envelope<T>> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${API}${route}`);
    request.setRequestHeader('x-csrf-token', csrfToken());
    request.responseType = 'json';
    request.upload.addEventListener('progress', (event) => event.lengthComputable && onProgress(event.loaded / event.total));
    request.addEventListener('load', () => {
      const body = request.response;
      if (request.status >= 200 && request.status < 300) resolve(body as Envelope<T>);
      else reject(new ApiError(body?.error?.code ?? 'http_error', body?.error?.message ?? `HTTP ${request.status}`, request.status));
    });
    request.addEventListener('error', () => reject(new ApiError('network_error', 'The upload did not reach the server', 0)));
    request.send(form);
  });
}

/** A file of a render or model, fetched by the browser itself (<video>, <img>, download links): cookie-authenticated. */
export const renderFile = (renderId: string, file: string) => `${API}/renders/${encodeURIComponent(renderId)}/${file}`;
export const modelFile = (modelId: string, file: 'file' | 'usdz') => `${API}/models/${encodeURIComponent(modelId)}/${file}`;


type Listener = { render?(change: RenderChange): void; model?(change: ModelChange): void };
const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** Subscribes to the account's live changes (one EventSource for the whole app, opened on first use). Returns the unsubscribe. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  if (!source) {
    source = new EventSource(`${API}/events`);
    source.addEventListener('render', (event) => {
      const change = JSON.parse((event as MessageEvent).data) as RenderChange;
      for (const each of listeners) each.render?.(change);
    });
    source.addEventListener('model', (event) => {
      const change = JSON.parse((event as MessageEvent).data) as ModelChange;
      for (const each of listeners) each.model?.(change);
    });
  }
  return () => listeners.delete(listener);
}

export const FINISHED = ['done', 'error', 'failed'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
