import { randomBytes } from 'node:crypto';

/** Prefixes of every public id: the prefix names the kind of object, as Stripe's do. */
export type IdPrefix = 'inv' | 'evt' | 'whe' | 'mch' | 'key' | 'dlv' | 'swp';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
/** 16 Crockford characters: exactly 80 bits. */
const RANDOM_CHARS = 16;
const RANDOM_BYTES = 10;

function encode(value: bigint, length: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    text = CROCKFORD[Number(rest % 32n)] + text;
    rest /= 32n;
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
  const random = BigInt(`0x${randomBytes(RANDOM_BYTES).toString('hex')}`);
  return `${prefix}_${encode(BigInt(now), TIME_CHARS)}${encode(random, RANDOM_CHARS)}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}
