import { randomBytes } from 'node:crypto';

/** Prefixes of every public id: the prefix names the kind of object, as Stripe's do. */
export type IdPrefix = 'inv' | 'evt' | 'whe' | 'mch' | 'key' | 'dlv';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * `<prefix>_` + 10 chars of millisecond time + 16 chars of randomness (80 bits), Crockford base32,
 * lower case: URL-safe, and ids of one kind sort by creation time as strings (ULID layout).
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (const byte of bytes) random += CROCKFORD[byte % 32];
  return `${prefix}_${time}${random}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}
