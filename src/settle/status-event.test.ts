import { describe, expect, it } from 'vitest';
import type { InvoiceEventType } from '../domain/events.ts';
import type { InvoiceStatus } from '../domain/invoice.ts';
import { statusEvent } from './status-event.ts';

// Every (before, after) pair of the five statuses: 5 × 5. Settlement never moves an invoice to
// pending or canceled, and an unchanged status announces nothing.
const rows: [InvoiceStatus, InvoiceStatus, InvoiceEventType | null][] = [
  ['pending', 'pending', null],
  ['pending', 'processing', 'invoice.processing'],
  ['pending', 'paid', 'invoice.paid'],
  ['pending', 'expired', 'invoice.expired'],
  ['pending', 'canceled', null],
  ['processing', 'pending', null],
  ['processing', 'processing', null],
  ['processing', 'paid', 'invoice.paid'],
  ['processing', 'expired', 'invoice.expired'],
  ['processing', 'canceled', null],
  ['paid', 'pending', null],
  ['paid', 'processing', 'invoice.processing'],
  ['paid', 'paid', null],
  ['paid', 'expired', 'invoice.expired'],
  ['paid', 'canceled', null],
  ['expired', 'pending', null],
  ['expired', 'processing', 'invoice.processing'],
  ['expired', 'paid', 'invoice.paid'],
  ['expired', 'expired', null],
  ['expired', 'canceled', null],
  ['canceled', 'pending', null],
  ['canceled', 'processing', 'invoice.processing'],
  ['canceled', 'paid', 'invoice.paid'],
  ['canceled', 'expired', 'invoice.expired'],
  ['canceled', 'canceled', null],
];

describe('statusEvent', () => {
  it.each(rows)('an invoice going from %s to %s announces %s', (before, after, expected) => {
    expect(statusEvent(before, after)).toBe(expected);
  });
});
