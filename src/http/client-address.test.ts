import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddress, clientKeyOf } from './client-address.ts';

/** The address a request is attributed to, as seen from a socket peer of `remoteAddress`. */
async function attributed(hops: number, remoteAddress: string, forwardedFor?: string): Promise<string> {
  const app = new Hono().get('/', (c) => c.text(clientAddress(c, hops)));
  const headers: Record<string, string> =
    forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  // The env @hono/node-server hands the app: its IncomingMessage, of which only the socket is read.
  const response = await app.request('/', { headers }, { incoming: { socket: { remoteAddress } } });
  return response.text();
}

describe('clientAddress', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For claims', async () => {
    expect(await attributed(0, '198.51.100.7')).toBe('198.51.100.7');
    expect(await attributed(0, '198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
  });

  it('behind trusted proxies, is the right-most entry no trusted proxy wrote for itself', async () => {
    // One proxy: it appended the client's address; what the client sent (left of it) is ignored.
    expect(await attributed(1, '127.0.0.1', '192.0.2.66, 203.0.113.9')).toBe('203.0.113.9');
    // Two proxies (CDN, then load balancer): the CDN's entry is the client's, the LB's the CDN's.
    expect(await attributed(2, '127.0.0.1', '192.0.2.66, 203.0.113.9, 198.51.100.1')).toBe('203.0.113.9');
    // Fewer entries than hops: the left-most, written by the first proxy.
    expect(await attributed(2, '127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    // Ports, as some proxies write them, are dropped.
    expect(await attributed(1, '127.0.0.1', '[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(await attributed(1, '127.0.0.1', '203.0.113.9:5123')).toBe('203.0.113.9');
  });

  it('falls back to the socket peer when the header is absent or not an address', async () => {
    expect(await attributed(1, '198.51.100.7')).toBe('198.51.100.7');
    expect(await attributed(1, '198.51.100.7', 'unknown')).toBe('198.51.100.7');
  });
});

describe('clientKeyOf', () => {
  it('keys IPv4 by address and IPv6 by its /64, unwrapping IPv4-mapped addresses', () => {
    expect(clientKeyOf('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKeyOf('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKeyOf('::1')).toBe('0:0:0:0::/64');
  });
});
