import { describe, expect, it } from 'vitest';
import type { InvoiceEventType } from '../domain/events.ts';
import type { TransferStatus } from '../domain/invoice.ts';
import { paymentEvent } from './payment-event.ts';

// Every (last applied status, current status) pair: 4 × 3.
const rows: [TransferStatus | null, TransferStatus, InvoiceEventType | null][] = [
  [null, 'detected', 'invoice.payment_detected'],
  [null, 'confirmed', 'invoice.payment_detected'],
  [null, 'reverted', null],
  ['detected', 'detected', null],
  ['detected', 'confirmed', null],
  ['detected', 'reverted', 'invoice.payment_reverted'],
  ['confirmed', 'detected', null],
  ['confirmed', 'confirmed', null],
  ['confirmed', 'reverted', 'invoice.payment_reverted'],
  ['reverted', 'detected', 'invoice.payment_detected'],
  ['reverted', 'confirmed', 'invoice.payment_detected'],
  ['reverted', 'reverted', null],
];

describe('paymentEvent', () => {
  it.each(rows)('a transfer settled as %s and now %s announces %s', (before, after, expected) => {
    expect(paymentEvent(before, after)).toBe(expected);
  });
});
