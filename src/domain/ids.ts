import { randomBytes } from 'node:crypto';

/** Prefixes of every public id: the prefix names the kind of object, as Stripe's do. */
export type IdPrefix = 'inv' | 'evt' | 'whe' | 'mch' | 'key' | 'dlv';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const RANDOM_CHARS = 16;

function encode(value: bigint, length: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    text = CROCKFORD[Number(rest % 32n)] + text;
    rest /= 32n;
  }
  return text;
}

let lastTime = 0;
let lastRandom = 0n;

/**
 * `<prefix>_` + 10 chars of millisecond time + 16 chars (80 bits) of randomness, Crockford base32
 * in lower case (the ULID layout): URL-safe, and ids sort by creation as strings. Within one
 * millisecond the random part counts up (ULID's monotonic mode), so two events written in one
 * transaction keep their order.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom += 1n;
  } else {
    lastTime = now;
    // Leave headroom below 2^80 so counting up within a millisecond never overflows the width.
    lastRandom = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n;
  }
  return `${prefix}_${encode(BigInt(lastTime), 10)}${encode(lastRandom, RANDOM_CHARS)}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}
