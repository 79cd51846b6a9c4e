import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvoiceStatus } from './invoice.ts';
import { computeInvoiceState, type StateInput } from './invoice-state.ts';

const EXPIRES_AT_S = 1_000_000;

const transferArb = fc.record({
  amount: fc.bigInt({ min: 1n, max: 10n ** 8n }),
  status: fc.constantFrom('detected' as const, 'confirmed' as const, 'reverted' as const),
  blockTimestamp: fc.integer({ min: EXPIRES_AT_S - 100, max: EXPIRES_AT_S + 100 }),
});

const inputArb: fc.Arbitrary<StateInput> = fc.record({
  status: fc.constantFrom<InvoiceStatus>('pending', 'processing', 'paid', 'expired', 'canceled'),
  amount: fc.bigInt({ min: 1n, max: 2n * 10n ** 8n }),
  expiresAtS: fc.constant(EXPIRES_AT_S),
  expiryReached: fc.boolean(),
  transfers: fc.array(transferArb, { maxLength: 6 }),
});

const sum = (values: bigint[]) => values.reduce((total, value) => total + value, 0n);

describe('computeInvoiceState', () => {
  it('counts confirmed payments as paid and every unreverted one as detected, exactly', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = computeInvoiceState(input);
        expect(out.amountPaid).toBe(
          sum(input.transfers.filter((t) => t.status === 'confirmed').map((t) => t.amount)),
        );
        expect(out.amountDetected).toBe(
          sum(input.transfers.filter((t) => t.status !== 'reverted').map((t) => t.amount)),
        );
      }),
    );
  });

  it('does not depend on the order transfers arrive in', () => {
    fc.assert(
      fc.property(
        inputArb.chain((input) =>
          fc.tuple(
            fc.constant(input),
            fc.shuffledSubarray([...input.transfers], { minLength: input.transfers.length }),
          ),
        ),
        ([input, shuffled]) => {
          expect(computeInvoiceState({ ...input, transfers: shuffled })).toEqual(computeInvoiceState(input));
        },
      ),
    );
  });

  it('is a fixpoint: applying it to its own result changes nothing (duplicate jobs are harmless)', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const once = computeInvoiceState(input);
        expect(computeInvoiceState({ ...input, status: once.status })).toEqual(once);
      }),
    );
  });

  it('keeps paid and canceled terminal', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        if (input.status === 'paid' || input.status === 'canceled') {
          expect(computeInvoiceState(input).status).toBe(input.status);
        }
      }),
    );
  });

  it('pays an open invoice exactly when confirmed on-time payments cover the amount', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        fc.pre(input.status === 'pending' || input.status === 'processing' || input.status === 'expired');
        const onTimeConfirmed = sum(
          input.transfers
            .filter((t) => t.status === 'confirmed' && t.blockTimestamp <= EXPIRES_AT_S)
            .map((t) => t.amount),
        );
        const out = computeInvoiceState(input);
        if (onTimeConfirmed >= input.amount) {
          expect(out.status).toBe('paid');
          expect(out.exception).toBe(out.amountPaid > input.amount ? 'overpaid' : null);
        } else if (out.status === 'paid') {
          expect(input.expiryReached).toBe(true);
          expect(['paid_late', 'overpaid']).toContain(out.exception);
        }
      }),
    );
  });

  it('expires only once expiry is reached, flagging what it holds as underpaid', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = computeInvoiceState(input);
        if (out.status === 'expired') {
          expect(input.expiryReached).toBe(true);
          expect(out.exception).toBe(out.amountDetected > 0n ? 'underpaid' : null);
        }
        if (!input.expiryReached && input.status === 'pending') expect(out.status).not.toBe('expired');
      }),
    );
  });

  it('walks the documented examples', () => {
    const base = { status: 'pending' as const, amount: 10n, expiresAtS: EXPIRES_AT_S, expiryReached: false };
    const on = EXPIRES_AT_S - 1;
    const late = EXPIRES_AT_S + 1;
    expect(
      computeInvoiceState({ ...base, transfers: [{ amount: 10n, status: 'detected', blockTimestamp: on }] })
        .status,
    ).toBe('processing');
    expect(
      computeInvoiceState({
        ...base,
        transfers: [
          { amount: 4n, status: 'confirmed', blockTimestamp: on },
          { amount: 6n, status: 'confirmed', blockTimestamp: on },
        ],
      }),
    ).toMatchObject({ status: 'paid', exception: null });
    expect(
      computeInvoiceState({ ...base, transfers: [{ amount: 12n, status: 'confirmed', blockTimestamp: on }] }),
    ).toMatchObject({ status: 'paid', exception: 'overpaid' });
    expect(
      computeInvoiceState({
        ...base,
        expiryReached: true,
        transfers: [{ amount: 4n, status: 'confirmed', blockTimestamp: on }],
      }),
    ).toMatchObject({ status: 'expired', exception: 'underpaid' });
    expect(
      computeInvoiceState({
        ...base,
        status: 'expired',
        expiryReached: true,
        transfers: [
          { amount: 4n, status: 'confirmed', blockTimestamp: on },
          { amount: 6n, status: 'confirmed', blockTimestamp: late },
        ],
      }),
    ).toMatchObject({ status: 'paid', exception: 'paid_late' });
    expect(
      computeInvoiceState({
        ...base,
        status: 'processing',
        transfers: [{ amount: 10n, status: 'reverted', blockTimestamp: on }],
      }).status,
    ).toBe('pending');
  });
});
