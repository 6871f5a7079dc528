/**
 * SSRF guard for outgoing requests: the policy that decides, before any TCP connection is
 * made, whether an address may be dialled (ordinary public unicast only, unless allowed).
 *
 * The outgoing fetcher applies it where the connection is made, not on the URL string, so
 * that every spelling of an address (`2130706433`, `0x7f000001`, `[::ffff:7f00:1]`), every
 * redirect hop and every DNS answer (including a rebinding one) is judged by the address
 * that would actually be dialled.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { RenderbayError } from '../errors.js';

/** Resolves a hostname to every address it has (like `dns.lookup` with `all: true`). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** The operating system's resolver (honours /etc/hosts), the one Node uses by default. */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

export interface AddressPolicy {
  /** Allow every address, private ones included (RENDERBAY_ALLOW_PRIVATE_URLS=1). */
  allowPrivate: boolean;
  /** Individual addresses allowed even though they are not public (an internal mirror; tests). */
  allowAddresses: readonly string[];
}

// IPv6 prefixes whose last 32 bits are an IPv4 address the packet really goes to: judge that one.
const EMBEDDED_IPV4_PREFIXES = [
  ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), // IPv4-mapped
  ipaddr.IPv6.parseCIDR('64:ff9b::/96'), // NAT64 well-known prefix (DNS64 networks)
];
// Deprecated IPv4-compatible addresses (::a.b.c.d); ipaddr.js calls them "unicast", we do not.
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * The special-purpose range an address belongs to (`loopback`, `private`, `linkLocal`,
 * `uniqueLocal`, `carrierGradeNat`, `multicast`, `reserved`, …), or null for a public one.
 */
export function nonPublicRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const ipv6 = parsed as ipaddr.IPv6;
    if (EMBEDDED_IPV4_PREFIXES.some((prefix) => ipv6.match(prefix))) {
      const range = ipaddr.IPv4.parse(ipv6.toByteArray().slice(12).join('.')).range();
      return range === 'unicast' ? null : range;
    }
    const range = ipv6.range();
    if (range === 'unicast' && ipv6.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
    return range === 'unicast' ? null : range;
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

// ipaddr.js range names, in the words an operator would search for.
const RANGE_WORDS: Record<string, string> = {
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  carrierGradeNat: 'carrier-grade NAT',
  ipv4Compatible: 'IPv4-compatible IPv6',
  deprecatedSiteLocal: 'site-local',
};

/** Throws `invalid_url` unless the policy lets us connect to `address` (which `hostname` named). */
export function assertAllowedAddress(hostname: string, address: string, policy: AddressPolicy): void {
  if (policy.allowPrivate) return;
  const range = nonPublicRange(address);
  if (range === null || isListed(address, policy.allowAddresses)) return;
  const target = hostname === address ? address : `"${hostname}" (resolves to ${address})`;
  throw new RenderbayError(
    'invalid_url',
    `Refusing to connect to ${target}: a non-public address (${RANGE_WORDS[range] ?? range}). Requests to loopback, ` +
      'private, link-local and other non-public addresses are blocked to protect this machine and its network. ' +
      'An operator can allow them with RENDERBAY_ALLOW_PRIVATE_URLS=1.',
    400,
  );
}

function isListed(address: string, allowAddresses: readonly string[]): boolean {
  const normalized = ipaddr.process(address).toString();
  return allowAddresses.some((allowed) => ipaddr.isValid(allowed) && ipaddr.process(allowed).toString() === normalized);
}

/**
 * Every address `hostname` resolves to, each checked against the policy: one refused answer
 * refuses the name (with happy eyeballs any answer may be the one dialled).
 */
export async function resolveAllowed(hostname: string, resolve: Resolver, policy: AddressPolicy): Promise<LookupAddress[]> {
  const addresses = await resolve(hostname);
  for (const { address } of addresses) assertAllowedAddress(hostname, address, policy);
  return addresses;
}
