import { describe, expect, it } from 'vitest';
import { isPublicIpAddress, isUnspecifiedIpAddress } from './is-public-ip-address.ts';

describe('isPublicIpAddress', () => {
  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['100.128.0.1'],
    ['172.15.255.255'],
    ['172.32.0.1'],
    ['2001:4860:4860::8888'],
    ['2606:4700::1111'],
  ])('accepts the public address %s', (address) => {
    expect(isPublicIpAddress(address)).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['100.64.0.1', 'CGNAT'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['localhost', 'not an address'],
    ['', 'not an address'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicIpAddress(address)).toBe(false);
  });
});

describe('isUnspecifiedIpAddress', () => {
  it('knows 0.0.0.0 and :: only', () => {
    expect(isUnspecifiedIpAddress('0.0.0.0')).toBe(true);
    expect(isUnspecifiedIpAddress('::')).toBe(true);
    expect(isUnspecifiedIpAddress('0.0.0.1')).toBe(false);
    expect(isUnspecifiedIpAddress('127.0.0.1')).toBe(false);
    expect(isUnspecifiedIpAddress('8.8.8.8')).toBe(false);
  });
});
