import { randomBytes } from 'node:crypto';
import { getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { createAddressTable } from './address-table.ts';

const randomAddress = () => getAddress(`0x${randomBytes(20).toString('hex')}`);
const toTopic = (address: string) => `0x${'0'.repeat(24)}${address.slice(2).toLowerCase()}`;

describe('address table', () => {
  it('finds every address it holds by a lower-case topic, through growth, and no other', () => {
    const table = createAddressTable();
    const addresses = Array.from({ length: 20_000 }, randomAddress);
    for (const [i, address] of addresses.entries()) table.set(address, 2, i + 1);
    expect(table.size).toBe(20_000);
    const found = addresses.filter((address, i) => table.get(toTopic(address), 26) === i + 1);
    expect(found).toHaveLength(20_000);
    const strangers = Array.from({ length: 20_000 }, () => `0x${randomBytes(20).toString('hex')}`);
    expect(strangers.filter((address) => table.get(toTopic(address), 26) !== undefined)).toEqual([]);
  });

  it('replaces the value of an address set twice, whatever its case', () => {
    const table = createAddressTable();
    const address = randomAddress();
    table.set(address, 2, 1);
    table.set(address.toLowerCase(), 2, 2);
    expect(table.size).toBe(1);
    expect(table.get(toTopic(address), 26)).toBe(2);
  });

  it('refuses text that is not 40 hex characters', () => {
    const table = createAddressTable();
    const address = getAddress(`0x${'0a'.repeat(20)}`);
    table.set(address, 2, 1);
    expect(table.set(`0x${'g'.repeat(40)}`, 2, 2)).toBe(false);
    // ':' follows '9' and 'G' follows 'F': neither may read as a hex digit.
    expect(table.get(`${toTopic(address).slice(0, 26)}:${toTopic(address).slice(27)}`, 26)).toBeUndefined();
    expect(table.get(toTopic(address).replace(/a$/, 'G'), 26)).toBeUndefined();
    expect(table.get(toTopic(address).slice(0, 60), 26)).toBeUndefined();
    expect(table.size).toBe(1);
  });
});
