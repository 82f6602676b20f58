// Where webhooks may be sent. A webhook is a request our server makes to an address an admin typed:
// it must not reach inside the network it runs in (loopback, private, link-local, cloud metadata…).
// The address is checked when the endpoint is registered (an IP literal, `localhost`) and again when
// each request connects, on the addresses the name resolves to then (so a name that later resolves to
// a private address, DNS rebinding, is refused too). WEBHOOK_ALLOWED_PRIVATE_TARGETS lets some in.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Whether a configuration entry is an IP address or a CIDR range. */
export function isAddressOrRange(value: string): boolean {
  return value.includes('/') ? safe(() => ipaddr.parseCIDR(value)) : ipaddr.isValid(value);
}

function safe(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

export type TargetPolicy = { allowed: readonly string[] };

/** Whether an address may be sent to: public unicast, or allowed by configuration. */
export function addressAllowed(address: string, policy: TargetPolicy): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  for (const entry of policy.allowed) {
    if (entry.includes('/')) {
      const range = ipaddr.parseCIDR(entry);
      if (range[0].kind() === parsed.kind() && parsed.match(range)) return true;
    } else {
      const one = ipaddr.parse(entry);
      if (one.kind() === parsed.kind() && one.toNormalizedString() === parsed.toNormalizedString()) return true;
    }
  }
  return parsed.range() === 'unicast';
}

/** Why a URL cannot be a webhook target, or null. Names are checked when each request connects. */
export function refusedTarget(raw: string, policy: TargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not carry a user name or password (the signature authenticates us)';
  if (raw.length > 2000) return 'is longer than 2,000 characters';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) return addressAllowed(host, policy) ? null : 'is a private, loopback or reserved address';
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost') || !name.includes('.')) {
    return addressAllowed('127.0.0.1', policy) ? null : 'names this machine or the local network';
  }
  return null;
}

/** A `lookup` for http(s).request that refuses, at connect time, addresses the policy does not allow. */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      const refused = list.find((a) => !addressAllowed(a.address, policy));
      if (refused || list.length === 0) {
        const error = Object.assign(new Error(`${hostname} resolves to ${refused?.address ?? 'nothing'}, which webhooks may not reach`), {
          code: 'ETARGETREFUSED',
        });
        return callback(error, '', 4);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
