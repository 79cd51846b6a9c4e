import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, MAX_UINT256, parseAmount } from './money.ts';

const decimalsArb = fc.integer({ min: 0, max: 30 });

describe('parseAmount', () => {
  it('parses exact decimals into base units', () => {
    expect(parseAmount('25.5', 6)).toEqual({ ok: true, value: 25_500_000n });
    expect(parseAmount('0.000001', 6)).toEqual({ ok: true, value: 1n });
    expect(parseAmount('1', 18)).toEqual({ ok: true, value: 10n ** 18n });
  });

  it('round-trips every positive base-unit value through formatAmount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_UINT256 }), decimalsArb, (value, decimals) => {
        expect(parseAmount(formatAmount(value, decimals), decimals)).toEqual({ ok: true, value });
      }),
    );
  });

  it('rejects more decimal places than the token has, never rounding', () => {
    expect(parseAmount('25.1234567', 6)).toMatchObject({ ok: false, error: 'too_many_decimals' });
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), decimalsArb, (value, decimals) => {
        const text = `${formatAmount(value, decimals + 1)}`;
        const hasExtraDigit = text.includes('.') && text.split('.')[1]?.length === decimals + 1;
        fc.pre(hasExtraDigit);
        expect(parseAmount(text, decimals)).toMatchObject({ ok: false, error: 'too_many_decimals' });
      }),
    );
  });

  it('rejects zero, negatives, exponents, whitespace and other notations', () => {
    for (const text of [
      '0',
      '0.0',
      '-1',
      '+1',
      '1e3',
      '1E-2',
      ' 1',
      '1 ',
      '1,5',
      '.5',
      '5.',
      '01',
      '0x10',
      '',
      'NaN',
      'Infinity',
      '١',
    ]) {
      expect(parseAmount(text, 6).ok, text).toBe(false);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 20n }), decimalsArb, (value, decimals) => {
        const text = formatAmount(value, decimals);
        expect(parseAmount(`-${text}`, decimals).ok).toBe(false);
        expect(parseAmount(`${text}e0`, decimals).ok).toBe(false);
        expect(parseAmount(` ${text}`, decimals).ok).toBe(false);
        expect(parseAmount(`${text}\n`, decimals).ok).toBe(false);
      }),
    );
  });

  it('rejects values at or above 2^256 base units', () => {
    expect(parseAmount((2n ** 256n).toString(), 0)).toMatchObject({ ok: false, error: 'too_large' });
    expect(parseAmount(MAX_UINT256.toString(), 0)).toEqual({ ok: true, value: MAX_UINT256 });
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 256n, max: 2n ** 300n }), decimalsArb, (value, decimals) => {
        expect(parseAmount(formatAmount(value, decimals), decimals)).toMatchObject({
          ok: false,
          error: 'too_large',
        });
      }),
    );
  });
});

describe('formatAmount', () => {
  it('prints the shortest exact string', () => {
    expect(formatAmount(25_500_000n, 6)).toBe('25.5');
    expect(formatAmount(1n, 18)).toBe('0.000000000000000001');
    expect(formatAmount(0n, 6)).toBe('0');
    expect(formatAmount(-1_500_000n, 6)).toBe('-1.5');
    expect(formatAmount(7n, 0)).toBe('7');
  });
});
