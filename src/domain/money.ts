/**
 * Amounts are bigint base units between exactly these two functions. `parseAmount` is strict where
 * viem's `parseUnits` rounds: a value with more fractional digits than the token has is an error,
 * never a silent rounding of a merchant's price.
 */

/** ERC-20 amounts are uint256: anything at or above 2^256 cannot exist on chain. */
export const MAX_UINT256 = 2n ** 256n - 1n;

const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export type AmountError = 'not_a_decimal' | 'too_many_decimals' | 'not_positive' | 'too_large';

export type ParsedAmount = { ok: true; value: bigint } | { ok: false; error: AmountError; message: string };

/** Parses a positive decimal string ("25.5") into base units of a token with `decimals` places. */
export function parseAmount(text: string, decimals: number): ParsedAmount {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) {
    return {
      ok: false,
      error: 'not_a_decimal',
      message: 'must be a plain decimal string such as "25.5" (no sign, exponent, spaces or leading zeros)',
    };
  }
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) {
    return { ok: false, error: 'too_many_decimals', message: `must have at most ${decimals} decimal places` };
  }
  const value = BigInt(whole + fraction.padEnd(decimals, '0'));
  if (value === 0n) return { ok: false, error: 'not_positive', message: 'must be greater than zero' };
  if (value > MAX_UINT256)
    return { ok: false, error: 'too_large', message: 'must be below 2^256 base units' };
  return { ok: true, value };
}

/** Prints base units as the shortest exact decimal string: 25500000n with 6 decimals is "25.5". */
export function formatAmount(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
