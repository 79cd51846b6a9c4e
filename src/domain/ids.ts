import { randomFillSync } from 'node:crypto';

/** Prefixes of every public id: the prefix names the kind of object, as Stripe's do. */
export type IdPrefix = 'inv' | 'evt' | 'whe' | 'mch' | 'key' | 'dlv' | 'swp';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
/** 16 Crockford characters: exactly 80 bits. */
const RANDOM_CHARS = 16;
const RANDOM_BYTES = 10;

/**
 * Randomness for many ids, drawn from the CSPRNG at once: one call per id cost more than the rest
 * of making it (as node's randomUUID, which keeps a cache of entropy too). Each byte is used once.
 */
const pool = Buffer.alloc(RANDOM_BYTES * 256);
let poolOffset = pool.length;

function takeRandom(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += RANDOM_BYTES;
  return at;
}

/** `length` Crockford characters of a non-negative integer below 2^53, most significant first. */
function encode(value: number, length: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    text = CROCKFORD[rest % 32] + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

/**
 * `<prefix>_` + 10 chars of millisecond time + 16 chars (80 bits) of fresh randomness from the
 * OS CSPRNG, Crockford base32 in lower case (the ULID layout): URL-safe, and sorted by creation
 * to the millisecond. There is deliberately no counter (ULID's monotonic mode): an id that is its
 * neighbour + 1 lets anyone holding one invoice id open the next payer's checkout page. So ids
 * made in one millisecond are in no particular order; where that order matters (events of one
 * transaction, newest-first lists, deliveries) the store orders by its own `seq` column instead.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const at = takeRandom();
  // 80 bits as two 40-bit halves (8 characters each), exact in a double.
  const high = pool.readUIntBE(at, 5);
  const low = pool.readUIntBE(at + 5, 5);
  return `${prefix}_${encode(now, TIME_CHARS)}${encode(high, RANDOM_CHARS / 2)}${encode(low, RANDOM_CHARS / 2)}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}
