import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import type { InvoiceEventType } from '../domain/events.ts';
import type { TransferStatus } from '../domain/invoice.ts';
import type { StateOutput } from '../domain/invoice-state.ts';
import { type ReconcileInput, reconcileInvoice } from './reconcile-invoice.ts';

const OWN_TOKEN: Address = '0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa';
const OTHER_TOKEN: Address = '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB';
const EXPIRES_AT = new Date('2025-01-01T12:00:00.000Z');
const EXPIRES_AT_S = EXPIRES_AT.getTime() / 1000;
const at = (offsetS: number) => new Date(EXPIRES_AT.getTime() + offsetS * 1000);

/** Now, and when the invoice's chain was last level with its node's head. */
type When = { now: Date; syncedAt: Date | null };
const BEFORE: When = { now: at(-600), syncedAt: at(-610) };
/** Past the deadline, the watcher level with its head since: expiry may be decided. */
const REACHED: When = { now: at(3600), syncedAt: at(1800) };
const NOT_SYNCED_SINCE: When = { now: at(3600), syncedAt: at(-60) };
const NEVER_SYNCED: When = { now: at(3600), syncedAt: null };

const invoice = (fields: Partial<ReconcileInput['invoice']> = {}): ReconcileInput['invoice'] => ({
  status: 'pending',
  exception: null,
  amount: 100n,
  amountPaid: 0n,
  amountDetected: 0n,
  expiresAt: EXPIRES_AT,
  token: { symbol: 'USDC', address: OWN_TOKEN, decimals: 6 },
  ...fields,
});

const pay = (amount: bigint, status: TransferStatus, options: { late?: boolean; token?: Address } = {}) => ({
  tokenAddress: options.token ?? OWN_TOKEN,
  amount,
  status,
  blockTimestamp: EXPIRES_AT_S + (options.late ? 10 : -10),
});

const state = (
  status: StateOutput['status'],
  exception: StateOutput['exception'],
  amountPaid: bigint,
  amountDetected: bigint,
): StateOutput => ({ status, exception, amountPaid, amountDetected });

const DETECTED: InvoiceEventType = 'invoice.payment_detected';
const REVERTED: InvoiceEventType = 'invoice.payment_reverted';

/** One transition: what settlement sees, and what it must write (the state, whether it moved, the events). */
type Row = {
  name: string;
  given: [
    invoice: ReconcileInput['invoice'],
    transfers: ReconcileInput['transfers'],
    when: When,
    extra: InvoiceEventType[],
  ];
  writes: [next: StateOutput, changed: boolean, events: InvoiceEventType[]];
};

const rows: Row[] = [
  {
    name: 'nothing paid before the deadline: no change, no write',
    given: [invoice(), [], BEFORE, []],
    writes: [state('pending', null, 0n, 0n), false, []],
  },
  {
    name: 'an exact payment detected on time: processing',
    given: [invoice(), [pay(100n, 'detected')], BEFORE, [DETECTED]],
    writes: [state('processing', null, 0n, 100n), true, [DETECTED, 'invoice.processing']],
  },
  {
    name: 'the exact payment confirmed: processing → paid',
    given: [invoice({ status: 'processing', amountDetected: 100n }), [pay(100n, 'confirmed')], BEFORE, []],
    writes: [state('paid', null, 100n, 100n), true, ['invoice.paid']],
  },
  {
    name: 'an exact payment first seen confirmed: detected and paid in one change',
    given: [invoice(), [pay(100n, 'confirmed')], BEFORE, [DETECTED]],
    writes: [state('paid', null, 100n, 100n), true, [DETECTED, 'invoice.paid']],
  },
  {
    name: 'the first part of a split payment: still pending, the amount detected moves',
    given: [invoice(), [pay(60n, 'detected')], BEFORE, [DETECTED]],
    writes: [state('pending', null, 0n, 60n), true, [DETECTED]],
  },
  {
    name: 'both parts of a split payment detected: processing',
    given: [
      invoice({ amountDetected: 60n }),
      [pay(60n, 'detected'), pay(40n, 'detected')],
      BEFORE,
      [DETECTED],
    ],
    writes: [state('processing', null, 0n, 100n), true, [DETECTED, 'invoice.processing']],
  },
  {
    name: 'the second part confirmed completes a split payment: paid',
    given: [
      invoice({ amountPaid: 60n, amountDetected: 60n }),
      [pay(60n, 'confirmed'), pay(40n, 'confirmed')],
      BEFORE,
      [DETECTED],
    ],
    writes: [state('paid', null, 100n, 100n), true, [DETECTED, 'invoice.paid']],
  },
  {
    name: 'an overpayment: paid, overpaid',
    given: [invoice(), [pay(150n, 'confirmed')], BEFORE, [DETECTED]],
    writes: [state('paid', 'overpaid', 150n, 150n), true, [DETECTED, 'invoice.paid']],
  },
  {
    name: 'an underpayment once expiry is reached: expired, underpaid',
    given: [invoice({ amountPaid: 60n, amountDetected: 60n }), [pay(60n, 'confirmed')], REACHED, []],
    writes: [state('expired', 'underpaid', 60n, 60n), true, ['invoice.expired']],
  },
  {
    name: 'an underpayment past the deadline, the watcher not level since: stays pending, no write',
    given: [invoice({ amountPaid: 60n, amountDetected: 60n }), [pay(60n, 'confirmed')], NOT_SYNCED_SINCE, []],
    writes: [state('pending', null, 60n, 60n), false, []],
  },
  {
    name: 'nothing paid, the watcher never level with its head: stays pending',
    given: [invoice(), [], NEVER_SYNCED, []],
    writes: [state('pending', null, 0n, 0n), false, []],
  },
  {
    name: 'nothing paid once expiry is reached: expired',
    given: [invoice(), [], REACHED, []],
    writes: [state('expired', null, 0n, 0n), true, ['invoice.expired']],
  },
  {
    name: 'a late payment on an expired invoice: expired → paid, paid_late',
    given: [invoice({ status: 'expired' }), [pay(100n, 'confirmed', { late: true })], REACHED, [DETECTED]],
    writes: [state('paid', 'paid_late', 100n, 100n), true, [DETECTED, 'invoice.paid']],
  },
  {
    name: 'a late payment confirmed before the expiry sweep: pending → paid, paid_late',
    given: [invoice(), [pay(100n, 'confirmed', { late: true })], REACHED, [DETECTED]],
    writes: [state('paid', 'paid_late', 100n, 100n), true, [DETECTED, 'invoice.paid']],
  },
  {
    name: 'a late payment not yet confirmed: expired, underpaid',
    given: [invoice(), [pay(100n, 'detected', { late: true })], REACHED, [DETECTED]],
    writes: [state('expired', 'underpaid', 0n, 100n), true, [DETECTED, 'invoice.expired']],
  },
  {
    name: 'a late payment short of the amount: stays expired, now underpaid',
    given: [invoice({ status: 'expired' }), [pay(40n, 'confirmed', { late: true })], REACHED, [DETECTED]],
    writes: [state('expired', 'underpaid', 40n, 40n), true, [DETECTED]],
  },
  {
    name: 'an on-time payment seen after the expiry sweep: expired → processing',
    given: [invoice({ status: 'expired' }), [pay(100n, 'detected')], REACHED, [DETECTED]],
    writes: [state('processing', null, 0n, 100n), true, [DETECTED, 'invoice.processing']],
  },
  {
    name: "a payment in the deadline's own second is on time",
    given: [invoice(), [{ ...pay(100n, 'confirmed'), blockTimestamp: EXPIRES_AT_S }], REACHED, [DETECTED]],
    writes: [state('paid', null, 100n, 100n), true, [DETECTED, 'invoice.paid']],
  },
  {
    name: 'a reverted payment: processing → pending, no status event',
    given: [
      invoice({ status: 'processing', amountDetected: 100n }),
      [pay(100n, 'reverted')],
      BEFORE,
      [REVERTED],
    ],
    writes: [state('pending', null, 0n, 0n), true, [REVERTED]],
  },
  {
    name: 'a reverted part of a split payment: processing → pending',
    given: [
      invoice({ status: 'processing', amountDetected: 100n }),
      [pay(60n, 'detected'), pay(40n, 'reverted')],
      BEFORE,
      [REVERTED],
    ],
    writes: [state('pending', null, 0n, 60n), true, [REVERTED]],
  },
  {
    name: 'a payment reverted once expiry is reached: processing → expired',
    given: [
      invoice({ status: 'processing', amountDetected: 100n }),
      [pay(100n, 'reverted')],
      REACHED,
      [REVERTED],
    ],
    writes: [state('expired', null, 0n, 0n), true, [REVERTED, 'invoice.expired']],
  },
  {
    name: 'a payment in another token counts for nothing: no change, no write',
    given: [invoice(), [pay(100n, 'confirmed', { token: OTHER_TOKEN })], BEFORE, []],
    writes: [state('pending', null, 0n, 0n), false, []],
  },
  {
    name: "another token's payment beside the exact one is not counted",
    given: [
      invoice({ status: 'processing', amountDetected: 100n }),
      [pay(100n, 'confirmed'), pay(500n, 'confirmed', { token: OTHER_TOKEN })],
      BEFORE,
      [],
    ],
    writes: [state('paid', null, 100n, 100n), true, ['invoice.paid']],
  },
  {
    name: 'a canceled invoice stays canceled; its amounts still move',
    given: [invoice({ status: 'canceled' }), [pay(100n, 'confirmed')], BEFORE, [DETECTED]],
    writes: [state('canceled', null, 100n, 100n), true, [DETECTED]],
  },
  {
    name: 'a canceled invoice past its deadline does not expire',
    given: [invoice({ status: 'canceled' }), [], REACHED, []],
    writes: [state('canceled', null, 0n, 0n), false, []],
  },
  {
    name: 'paid stays paid when an extra unconfirmed payment reverts',
    given: [
      invoice({ status: 'paid', amountPaid: 100n, amountDetected: 150n }),
      [pay(100n, 'confirmed'), pay(50n, 'reverted')],
      BEFORE,
      [REVERTED],
    ],
    writes: [state('paid', null, 100n, 100n), true, [REVERTED]],
  },
  {
    name: 'a paid invoice paid again: overpaid, no second invoice.paid',
    given: [
      invoice({ status: 'paid', amountPaid: 100n, amountDetected: 100n }),
      [pay(100n, 'confirmed'), pay(20n, 'confirmed')],
      BEFORE,
      [DETECTED],
    ],
    writes: [state('paid', 'overpaid', 120n, 120n), true, [DETECTED]],
  },
  {
    name: 'a paid invoice past its deadline stays paid: no change, no write',
    given: [
      invoice({ status: 'paid', amountPaid: 100n, amountDetected: 100n }),
      [pay(100n, 'confirmed')],
      REACHED,
      [],
    ],
    writes: [state('paid', null, 100n, 100n), false, []],
  },
  {
    name: 'a change already applied (a duplicate job): no change, no write',
    given: [invoice({ status: 'processing', amountDetected: 100n }), [pay(100n, 'detected')], BEFORE, []],
    writes: [state('processing', null, 0n, 100n), false, []],
  },
];

describe('reconcileInvoice', () => {
  it.each(rows)('$name', ({ given: [invoice, transfers, when, extra], writes: [next, changed, events] }) => {
    expect(reconcileInvoice({ invoice, transfers, ...when, extra })).toEqual({ next, changed, events });
  });
});
