/**
 * The events a merchant's webhook endpoints receive and `GET /v1/events` lists: one list, from which
 * the store's outbox, the API's schemas and the rendered docs page all take their names.
 */
export const EVENT_TYPES = [
  'invoice.created',
  'invoice.payment_detected',
  'invoice.processing',
  'invoice.paid',
  'invoice.payment_reverted',
  'invoice.expired',
  'invoice.canceled',
  'sweep.submitted',
  'sweep.confirmed',
  'sweep.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type InvoiceEventType = Extract<EventType, `invoice.${string}`>;
export type SweepEventType = Extract<EventType, `sweep.${string}`>;
