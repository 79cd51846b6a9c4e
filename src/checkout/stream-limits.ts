/** Open status streams one process serves at once: each polls SQLite every 500 ms. */
export const MAX_OPEN_STREAMS = 1_000;
/** Open streams per invoice: a payer has a tab or two; more is a script, not a person. */
export const MAX_STREAMS_PER_INVOICE = 16;

export type StreamLimits = {
  /** A release function when a stream may open, null when a limit is reached. */
  acquire(invoiceId: string): (() => void) | null;
  readonly open: number;
};

/**
 * Caps on open checkout status streams, so the public, unauthenticated SSE route cannot be used
 * to exhaust the process: a refused client's page falls back to polling the status JSON.
 */
export function createStreamLimits(limits: { total?: number; perInvoice?: number } = {}): StreamLimits {
  const total = limits.total ?? MAX_OPEN_STREAMS;
  const perInvoice = limits.perInvoice ?? MAX_STREAMS_PER_INVOICE;
  const byInvoice = new Map<string, number>();
  let open = 0;
  return {
    acquire(invoiceId) {
      const current = byInvoice.get(invoiceId) ?? 0;
      if (open >= total || current >= perInvoice) return null;
      open++;
      byInvoice.set(invoiceId, current + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        const left = (byInvoice.get(invoiceId) ?? 1) - 1;
        if (left === 0) byInvoice.delete(invoiceId);
        else byInvoice.set(invoiceId, left);
      };
    },
    get open() {
      return open;
    },
  };
}
