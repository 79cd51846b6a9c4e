/** Open status streams one process serves at once: each polls SQLite every 500 ms. */
export const MAX_OPEN_STREAMS = 1_000;
/** Open streams per invoice: a payer has a tab or two; more is a script, not a person. */
export const MAX_STREAMS_PER_INVOICE = 16;
/** Open streams per client address: one payer, or a few behind one NAT, paying a few invoices. */
export const MAX_STREAMS_PER_CLIENT = 10;

export type StreamLimits = {
  /** A release function when a stream may open, null when a limit is reached. */
  acquire(invoiceId: string, clientKey: string): (() => void) | null;
  readonly open: number;
};

/** A count per key that forgets keys at zero, so the maps hold only what is open now. */
function createCounts() {
  const counts = new Map<string, number>();
  return {
    get: (key: string) => counts.get(key) ?? 0,
    add(key: string, delta: number) {
      const next = (counts.get(key) ?? 0) + delta;
      if (next <= 0) counts.delete(key);
      else counts.set(key, next);
    },
  };
}

/**
 * Caps on open checkout status streams, so the public, unauthenticated SSE route cannot be used
 * to exhaust the process: in total, per invoice (whose id anyone with the link has), and per
 * client address (who could otherwise hold the per-invoice cap of many invoices). A refused
 * client's page falls back to polling the status JSON.
 */
export function createStreamLimits(
  limits: { total?: number; perInvoice?: number; perClient?: number } = {},
): StreamLimits {
  const total = limits.total ?? MAX_OPEN_STREAMS;
  const perInvoice = limits.perInvoice ?? MAX_STREAMS_PER_INVOICE;
  const perClient = limits.perClient ?? MAX_STREAMS_PER_CLIENT;
  const byInvoice = createCounts();
  const byClient = createCounts();
  let open = 0;
  return {
    acquire(invoiceId, clientKey) {
      if (open >= total || byInvoice.get(invoiceId) >= perInvoice || byClient.get(clientKey) >= perClient) {
        return null;
      }
      open++;
      byInvoice.add(invoiceId, 1);
      byClient.add(clientKey, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        byInvoice.add(invoiceId, -1);
        byClient.add(clientKey, -1);
      };
    },
    get open() {
      return open;
    },
  };
}
