import type { EventType, InvoiceEventType, SweepEventType } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import type { InvoiceResource } from '../domain/invoice.ts';
import type { SweepResource } from '../domain/sweep.ts';
import { cursorSeq } from './cursor-seq.ts';
import { nextSeq } from './next-seq.ts';
import { query, type Sql } from './sql.ts';

export type EventRecord = {
  id: string;
  merchantId: string;
  /** The invoice an `invoice.*` event is about; null for a merchant's sweep events. */
  invoiceId: string | null;
  sweepId: string | null;
  type: EventType;
  /** The exact JSON body every endpoint receives for this event. */
  payload: string;
  createdAt: Date;
};

type EventRow = {
  id: string;
  merchant_id: string;
  invoice_id: string | null;
  sweep_id: string | null;
  type: EventType;
  payload: string;
  created_at: string;
};

const toEvent = (row: EventRow): EventRecord => ({
  id: row.id,
  merchantId: row.merchant_id,
  invoiceId: row.invoice_id,
  sweepId: row.sweep_id,
  type: row.type,
  payload: row.payload,
  createdAt: new Date(row.created_at),
});

/**
 * Writes an event to the outbox. Call it inside the transaction that makes the change it
 * announces, so the change and its event commit or vanish together. The body is frozen here:
 * retries and redeliveries send the same bytes with the same `webhook-id`.
 */
export function* insertEvent(input: {
  merchantId: string;
  type: InvoiceEventType;
  invoice: InvoiceResource;
  now: Date;
}): Sql<EventRecord> {
  return yield* writeEvent(input, { invoiceId: input.invoice.id, sweepId: null }, { invoice: input.invoice });
}

/** A sweep's event (sweep-writes.ts), the merchant's; same outbox, same delivery, same rules. */
export function* insertSweepEvent(input: {
  merchantId: string;
  type: SweepEventType;
  sweep: SweepResource;
  now: Date;
}): Sql<EventRecord> {
  return yield* writeEvent(input, { invoiceId: null, sweepId: input.sweep.id }, { sweep: input.sweep });
}

function* writeEvent(
  input: { merchantId: string; type: EventType; now: Date },
  subject: { invoiceId: string | null; sweepId: string | null },
  data: { invoice: InvoiceResource } | { sweep: SweepResource },
): Sql<EventRecord> {
  const id = newId('evt', input.now.getTime());
  const createdAt = input.now.toISOString();
  const payload = JSON.stringify({ id, type: input.type, createdAt, data });
  const seq = yield* nextSeq('events');
  yield* query(
    `INSERT INTO events (id, merchant_id, invoice_id, sweep_id, type, payload, created_at, seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, input.merchantId, subject.invoiceId, subject.sweepId, input.type, payload, createdAt, seq);
  return { id, merchantId: input.merchantId, ...subject, type: input.type, payload, createdAt: input.now };
}

export function* getEvent(merchantId: string, id: string): Sql<EventRecord | null> {
  const row = yield* query<EventRow>('SELECT * FROM events WHERE id = ? AND merchant_id = ?').get(
    id,
    merchantId,
  );
  return row ? toEvent(row) : null;
}

/**
 * Newest first by `seq` (ids are not ordered within a millisecond), cursor after `startingAfter`
 * (an event id of this merchant), like the invoice list.
 */
export function* listEvents(
  merchantId: string,
  filter: {
    invoiceId?: string | undefined;
    type?: EventType | undefined;
    limit: number;
    startingAfter?: string | undefined;
  },
): Sql<{ data: EventRecord[]; hasMore: boolean }> {
  const where = ['merchant_id = ?'];
  const params: (string | number)[] = [merchantId];
  if (filter.invoiceId) {
    where.push('invoice_id = ?');
    params.push(filter.invoiceId);
  }
  if (filter.type) {
    where.push('type = ?');
    params.push(filter.type);
  }
  if (filter.startingAfter) {
    where.push('seq < ?');
    params.push(yield* cursorSeq('events', merchantId, filter.startingAfter));
  }
  const rows = yield* query<EventRow>(
    `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
  ).all(...params, filter.limit + 1);
  return { data: rows.slice(0, filter.limit).map(toEvent), hasMore: rows.length > filter.limit };
}
