import { pluck, type Sql } from './sql.ts';

/**
 * One cheap single-row query that changes whenever anything the payer sees changes: the invoice's
 * state and totals, and its transfers' number, statuses and confirmations. The status stream runs
 * it every poll and loads the whole invoice only when it differs.
 *
 * It reads `invoices` and `transfers` directly because it must not rely on every writer bumping
 * `updated_at` (settlement, the watcher, or an operator fixing a row by hand).
 */
const VERSION_SQL = `
SELECT i.status || '|' || coalesce(i.exception, '') || '|' || i.amount_paid || '|' || i.amount_detected
  || '|' || i.updated_at || '|' || (
    SELECT count(*) || ':' || coalesce(sum(t.confirmations), 0)
      || ':' || coalesce(sum(CASE WHEN t.status = 'confirmed' THEN 1 ELSE 0 END), 0)
      || ':' || coalesce(sum(CASE WHEN t.status = 'reverted' THEN 1 ELSE 0 END), 0) || ':' || coalesce(max(t.updated_at), '')
    FROM transfers t WHERE t.invoice_id = i.id
  ) AS version
FROM invoices i WHERE i.id = ?`;

/** An invoice's version string, or null when there is no such invoice. */
export function* readInvoiceVersion(invoiceId: string): Sql<string | null> {
  return (yield* pluck<string>(VERSION_SQL).get(invoiceId)) ?? null;
}
