import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** What a request is keyed on when no socket is known (in-process `app.request()` in tests). */
const UNKNOWN_CLIENT = 'unknown';

/** `1.2.3.4:5678` and `[2001:db8::1]:443`, as some proxies write them: the address alone. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed?.[1]) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4?.[1] ?? entry;
}

/** The 8 groups of an IPv6 address (RFC 4291 §2.2), `::` and a trailing dotted IPv4 expanded. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => Number.parseInt(group, 16));
}

/**
 * The key a client is limited by: an IPv4 address as is (an IPv4-mapped IPv6 one unwrapped), an
 * IPv6 address by its /64, since RFC 4291 hands one host or home a whole /64 to pick from.
 */
export function clientKeyOf(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/**
 * The client's address. Without trusted proxies (`TRUST_PROXY=false`), the socket's peer: headers
 * are the client's to forge. Behind `hops` proxies that each append the address they received the
 * request from to `X-Forwarded-For`, the entry `hops` places from the right is the first one a
 * trusted proxy wrote about someone it does not trust: the client. Entries further left were
 * written by the client and are ignored.
 */
export function clientAddress(c: Context, trustProxyHops: number): string {
  let socket: string | undefined;
  try {
    socket = getConnInfo(c).remote.address;
  } catch {
    socket = undefined;
  }
  if (trustProxyHops > 0) {
    const entries = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const chosen = entries[Math.max(0, entries.length - trustProxyHops)];
    const address = chosen ? withoutPort(chosen) : undefined;
    if (address && isIP(address)) return address;
  }
  return socket ?? UNKNOWN_CLIENT;
}

/** The rate-limit key of a request's client (see clientAddress and clientKeyOf). */
export function clientKey(c: Context, trustProxyHops: number): string {
  return clientKeyOf(clientAddress(c, trustProxyHops));
}
