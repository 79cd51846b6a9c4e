import { describe, expect, it } from 'vitest';
import { isId, newId } from './ids.ts';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** The 80-bit random part of an id as a number. */
function randomPart(id: string): bigint {
  return [...id.slice(-16)].reduce((value, char) => value * 32n + BigInt(CROCKFORD.indexOf(char)), 0n);
}

describe('newId', () => {
  it('is prefixed, URL-safe, unique and sorts by creation across milliseconds', () => {
    const ids = Array.from({ length: 1000 }, () => newId('evt', 1_700_000_000_000));
    expect(ids.every((id) => isId('evt', id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => newId('inv', 1_700_000_000_001).slice(4) > id.slice(4))).toBe(true);
  });

  it('gives ids made in one tight loop random parts at least 2^40 apart when their time prefix is shared', () => {
    const ids = Array.from({ length: 1000 }, () => newId('inv'));
    const close: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const [a, b] = [ids[i] ?? '', ids[j] ?? ''];
        if (a.slice(4, 14) !== b.slice(4, 14)) continue;
        const distance = randomPart(a) - randomPart(b);
        if ((distance < 0n ? -distance : distance) < 2n ** 40n) close.push(`${a} ${b}`);
      }
    }
    expect(close).toEqual([]);
  });

  it('does not count up within one millisecond (the next id is not guessable from one)', () => {
    const first = newId('inv', 1_700_000_000_000);
    const second = newId('inv', 1_700_000_000_000);
    expect(randomPart(second) - randomPart(first)).not.toBe(1n);
  });
});
