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

/** Now, before the deadline; and after it, with the watcher level with its head since (or not). */
const BEFORE = { now: at(-600), syncedAt: at(-610) };
const REACHED = { now: at(3600), syncedAt: at(1800) };
const NOT_SYNCED_SINCE = { now: at(3600), syncedAt: at(-60) };

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

type Row = {
  name: string;
  input: ReconcileInput;
  next: StateOutput;
  changed: boolean;
  events: InvoiceEventType[];
};

const rows: Row[] = [
  {
    name: 'nothing paid before the deadline: no change, no write',
    input: { invoice: invoice(), transfers: [], ...BEFORE, extra: [] },
    next: state('pending', null, 0n, 0n),
    changed: false,
    events: [],
  },
  {
    name: 'an exact payment detected on time: processing',
    input: { invoice: invoice(), transfers: [pay(100n, 'detected')], ...BEFORE, extra: [DETECTED] },
    next: state('processing', null, 0n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.processing'],
  },
  {
    name: 'the exact payment confirmed: processing → paid',
    input: {
      invoice: invoice({ status: 'processing', amountDetected: 100n }),
      transfers: [pay(100n, 'confirmed')],
      ...BEFORE,
      extra: [],
    },
    next: state('paid', null, 100n, 100n),
    changed: true,
    events: ['invoice.paid'],
  },
  {
    name: 'an exact payment first seen confirmed: detected and paid in one change',
    input: { invoice: invoice(), transfers: [pay(100n, 'confirmed')], ...BEFORE, extra: [DETECTED] },
    next: state('paid', null, 100n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.paid'],
  },
  {
    name: 'the first part of a split payment: still pending, the amount detected moves',
    input: { invoice: invoice(), transfers: [pay(60n, 'detected')], ...BEFORE, extra: [DETECTED] },
    next: state('pending', null, 0n, 60n),
    changed: true,
    events: [DETECTED],
  },
  {
    name: 'both parts of a split payment detected: processing',
    input: {
      invoice: invoice({ amountDetected: 60n }),
      transfers: [pay(60n, 'detected'), pay(40n, 'detected')],
      ...BEFORE,
      extra: [DETECTED],
    },
    next: state('processing', null, 0n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.processing'],
  },
  {
    name: 'the second part confirmed completes a split payment: paid',
    input: {
      invoice: invoice({ amountPaid: 60n, amountDetected: 60n }),
      transfers: [pay(60n, 'confirmed'), pay(40n, 'confirmed')],
      ...BEFORE,
      extra: [DETECTED],
    },
    next: state('paid', null, 100n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.paid'],
  },
  {
    name: 'an overpayment: paid, overpaid',
    input: { invoice: invoice(), transfers: [pay(150n, 'confirmed')], ...BEFORE, extra: [DETECTED] },
    next: state('paid', 'overpaid', 150n, 150n),
    changed: true,
    events: [DETECTED, 'invoice.paid'],
  },
  {
    name: 'an underpayment once expiry is reached: expired, underpaid',
    input: {
      invoice: invoice({ amountPaid: 60n, amountDetected: 60n }),
      transfers: [pay(60n, 'confirmed')],
      ...REACHED,
      extra: [],
    },
    next: state('expired', 'underpaid', 60n, 60n),
    changed: true,
    events: ['invoice.expired'],
  },
  {
    name: 'an underpayment past the deadline, the watcher not level since: stays pending, no write',
    input: {
      invoice: invoice({ amountPaid: 60n, amountDetected: 60n }),
      transfers: [pay(60n, 'confirmed')],
      ...NOT_SYNCED_SINCE,
      extra: [],
    },
    next: state('pending', null, 60n, 60n),
    changed: false,
    events: [],
  },
  {
    name: 'nothing paid, the watcher never level with its head: stays pending',
    input: { invoice: invoice(), transfers: [], now: REACHED.now, syncedAt: null, extra: [] },
    next: state('pending', null, 0n, 0n),
    changed: false,
    events: [],
  },
  {
    name: 'nothing paid once expiry is reached: expired',
    input: { invoice: invoice(), transfers: [], ...REACHED, extra: [] },
    next: state('expired', null, 0n, 0n),
    changed: true,
    events: ['invoice.expired'],
  },
  {
    name: 'a late payment on an expired invoice: expired → paid, paid_late',
    input: {
      invoice: invoice({ status: 'expired' }),
      transfers: [pay(100n, 'confirmed', { late: true })],
      ...REACHED,
      extra: [DETECTED],
    },
    next: state('paid', 'paid_late', 100n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.paid'],
  },
  {
    name: 'a late payment confirmed before the expiry sweep: pending → paid, paid_late',
    input: {
      invoice: invoice(),
      transfers: [pay(100n, 'confirmed', { late: true })],
      ...REACHED,
      extra: [DETECTED],
    },
    next: state('paid', 'paid_late', 100n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.paid'],
  },
  {
    name: 'a late payment not yet confirmed: expired, underpaid',
    input: {
      invoice: invoice(),
      transfers: [pay(100n, 'detected', { late: true })],
      ...REACHED,
      extra: [DETECTED],
    },
    next: state('expired', 'underpaid', 0n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.expired'],
  },
  {
    name: 'a late payment short of the amount: stays expired, now underpaid',
    input: {
      invoice: invoice({ status: 'expired' }),
      transfers: [pay(40n, 'confirmed', { late: true })],
      ...REACHED,
      extra: [DETECTED],
    },
    next: state('expired', 'underpaid', 40n, 40n),
    changed: true,
    events: [DETECTED],
  },
  {
    name: 'an on-time payment seen after the expiry sweep: expired → processing',
    input: {
      invoice: invoice({ status: 'expired' }),
      transfers: [pay(100n, 'detected')],
      ...REACHED,
      extra: [DETECTED],
    },
    next: state('processing', null, 0n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.processing'],
  },
  {
    name: "a payment in the deadline's own second is on time",
    input: {
      invoice: invoice(),
      transfers: [{ ...pay(100n, 'confirmed'), blockTimestamp: EXPIRES_AT_S }],
      ...REACHED,
      extra: [DETECTED],
    },
    next: state('paid', null, 100n, 100n),
    changed: true,
    events: [DETECTED, 'invoice.paid'],
  },
  {
    name: 'a reverted payment: processing → pending, no status event',
    input: {
      invoice: invoice({ status: 'processing', amountDetected: 100n }),
      transfers: [pay(100n, 'reverted')],
      ...BEFORE,
      extra: [REVERTED],
    },
    next: state('pending', null, 0n, 0n),
    changed: true,
    events: [REVERTED],
  },
  {
    name: 'a reverted part of a split payment: processing → pending',
    input: {
      invoice: invoice({ status: 'processing', amountDetected: 100n }),
      transfers: [pay(60n, 'detected'), pay(40n, 'reverted')],
      ...BEFORE,
      extra: [REVERTED],
    },
    next: state('pending', null, 0n, 60n),
    changed: true,
    events: [REVERTED],
  },
  {
    name: 'a payment reverted once expiry is reached: processing → expired',
    input: {
      invoice: invoice({ status: 'processing', amountDetected: 100n }),
      transfers: [pay(100n, 'reverted')],
      ...REACHED,
      extra: [REVERTED],
    },
    next: state('expired', null, 0n, 0n),
    changed: true,
    events: [REVERTED, 'invoice.expired'],
  },
  {
    name: 'a payment in another token counts for nothing: no change, no write',
    input: {
      invoice: invoice(),
      transfers: [pay(100n, 'confirmed', { token: OTHER_TOKEN })],
      ...BEFORE,
      extra: [],
    },
    next: state('pending', null, 0n, 0n),
    changed: false,
    events: [],
  },
  {
    name: "another token's payment beside the exact one is not counted",
    input: {
      invoice: invoice({ status: 'processing', amountDetected: 100n }),
      transfers: [pay(100n, 'confirmed'), pay(500n, 'confirmed', { token: OTHER_TOKEN })],
      ...BEFORE,
      extra: [],
    },
    next: state('paid', null, 100n, 100n),
    changed: true,
    events: ['invoice.paid'],
  },
  {
    name: 'a canceled invoice stays canceled; its amounts still move',
    input: {
      invoice: invoice({ status: 'canceled' }),
      transfers: [pay(100n, 'confirmed')],
      ...BEFORE,
      extra: [DETECTED],
    },
    next: state('canceled', null, 100n, 100n),
    changed: true,
    events: [DETECTED],
  },
  {
    name: 'a canceled invoice past its deadline does not expire',
    input: { invoice: invoice({ status: 'canceled' }), transfers: [], ...REACHED, extra: [] },
    next: state('canceled', null, 0n, 0n),
    changed: false,
    events: [],
  },
  {
    name: 'paid stays paid when an extra unconfirmed payment reverts',
    input: {
      invoice: invoice({ status: 'paid', amountPaid: 100n, amountDetected: 150n }),
      transfers: [pay(100n, 'confirmed'), pay(50n, 'reverted')],
      ...BEFORE,
      extra: [REVERTED],
    },
    next: state('paid', null, 100n, 100n),
    changed: true,
    events: [REVERTED],
  },
  {
    name: 'a paid invoice paid again: overpaid, no second invoice.paid',
    input: {
      invoice: invoice({ status: 'paid', amountPaid: 100n, amountDetected: 100n }),
      transfers: [pay(100n, 'confirmed'), pay(20n, 'confirmed')],
      ...BEFORE,
      extra: [DETECTED],
    },
    next: state('paid', 'overpaid', 120n, 120n),
    changed: true,
    events: [DETECTED],
  },
  {
    name: 'a paid invoice past its deadline stays paid: no change, no write',
    input: {
      invoice: invoice({ status: 'paid', amountPaid: 100n, amountDetected: 100n }),
      transfers: [pay(100n, 'confirmed')],
      ...REACHED,
      extra: [],
    },
    next: state('paid', null, 100n, 100n),
    changed: false,
    events: [],
  },
  {
    name: 'a change already applied (a duplicate job): no change, no write',
    input: {
      invoice: invoice({ status: 'processing', amountDetected: 100n }),
      transfers: [pay(100n, 'detected')],
      ...BEFORE,
      extra: [],
    },
    next: state('processing', null, 0n, 100n),
    changed: false,
    events: [],
  },
];

describe('reconcileInvoice', () => {
  it.each(rows)('$name', ({ input, next, changed, events }) => {
    expect(reconcileInvoice(input)).toEqual({ next, changed, events });
  });
});
