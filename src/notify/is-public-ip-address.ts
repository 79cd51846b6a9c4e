import { BlockList, isIP } from 'node:net';

/**
 * The addresses a webhook may not reach unless private URLs are allowed. request-filtering-agent
 * (which checks the address again at connect time) refuses every address that ipaddr.js does not
 * classify as `unicast`, but exports no function for that check, so this table copies those ranges
 * (ipaddr.js 2.x `SpecialRanges`, from the IANA special-purpose registries, RFC 6890) and adds the
 * IPv4-compatible ::/96, which ipaddr.js calls unicast. Registration is thus at least as strict as
 * delivery: a URL that passes here is not refused on every later attempt.
 */
const IPV4_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0 (RFC 1122)
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, where cloud metadata lives (RFC 3927)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation (RFC 5737)
  ['192.31.196.0', 24], // AS112 (RFC 7535)
  ['192.52.193.0', 24], // AMT (RFC 7450)
  ['192.88.99.0', 24], // 6to4 relay anycast (RFC 7526)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['192.175.48.0', 24], // AS112 (RFC 7534)
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation (RFC 5737)
  ['203.0.113.0', 24], // documentation (RFC 5737)
  ['224.0.0.0', 4], // multicast (RFC 5771)
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255 (RFC 1112)
];

const IPV6_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified ::, loopback ::1 and IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1)
  ['::ffff:0:0', 96], // IPv4-mapped: [::ffff:127.0.0.1] is 127.0.0.1 (RFC 4291 §2.5.5.2)
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 6145)
  ['64:ff9b::', 96], // NAT64, embeds an IPv4 address (RFC 6052)
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only (RFC 6666)
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID… (RFC 2928)
  ['2001:db8::', 32], // documentation (RFC 3849)
  ['2002::', 16], // 6to4, embeds an IPv4 address (RFC 3056)
  ['2620:4f:8000::', 48], // AS112 (RFC 7534)
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // segment routing (RFC 9602)
  ['fc00::', 7], // unique local (RFC 4193)
  ['fe80::', 10], // link-local (RFC 4291)
  ['fec0::', 10], // deprecated site-local (RFC 3879)
  ['ff00::', 8], // multicast (RFC 4291)
];

/**
 * One list per family: node:net's BlockList checks an IPv4 address against IPv6 rules as its
 * IPv4-mapped form, so one list holding `::ffff:0:0/96` would refuse every IPv4 address.
 */
const NOT_PUBLIC_V4 = new BlockList();
for (const [network, prefix] of IPV4_RANGES) NOT_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
const NOT_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of IPV6_RANGES) NOT_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');

const UNSPECIFIED = new BlockList();
UNSPECIFIED.addAddress('0.0.0.0', 'ipv4');
UNSPECIFIED.addAddress('::', 'ipv6');

/** True for a globally routable unicast address; false for anything else, including non-addresses. */
export function isPublicIpAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NOT_PUBLIC_V4.check(address, 'ipv4');
  return family === 6 && !NOT_PUBLIC_V6.check(address, 'ipv6');
}

/**
 * 0.0.0.0 and :: mean "this host" when connected to. request-filtering-agent refuses them at connect
 * time even when private addresses are allowed (its `allowMetaIPAddress` defaults to false).
 */
export function isUnspecifiedIpAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return UNSPECIFIED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
