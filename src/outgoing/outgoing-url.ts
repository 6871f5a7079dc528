/**
 * The URLs Renderbay may request: http(s) only and no credentials in them. Checked on the
 * URL a caller gives and again on every redirect's Location (relative to the hop it came from).
 *
 * ```ts
 * const url = parseOutgoingUrl(body.url);                        // the request's
 * const next = parseOutgoingUrl(response.headers.location, url); // a redirect's
 * ```
 */
import { RenderbayError } from '../errors.js';

/** Parses and checks one URL; `invalid_url` (400) names what is wrong. */
export function parseOutgoingUrl(input: string, base?: URL): URL {
  const where = base ? `redirect from ${base.host} to` : 'url';
  let url: URL;
  try {
    url = new URL(input.trim(), base);
  } catch {
    throw new RenderbayError('invalid_url', `Malformed ${where} "${input}": expected an http:// or https:// URL`, 400);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RenderbayError('invalid_url', `Unsupported ${where} scheme "${url.protocol}": only http:// and https:// URLs are allowed`, 400);
  }
  if (url.username !== '' || url.password !== '') {
    throw new RenderbayError('invalid_url', `Credentials in the ${where} are not allowed (user:password@host); use a URL that needs none`, 400);
  }
  return url;
}

/** The host part to dial: WHATWG URLs keep IPv6 literals in brackets, sockets want them bare. */
export function dialHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
