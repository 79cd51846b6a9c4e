import { pluck, type Sql } from './sql.ts';

/** Tables whose rows carry a `seq`: their order, also within one millisecond (migrations/002). */
export type SeqTable = 'invoices' | 'events' | 'deliveries' | 'sweeps';

/**
 * The next `seq` of `table`. SQLite's single writer makes max + 1 safe; PostgreSQL's concurrent
 * writers take it from the table's sequence, whose gaps (a rolled-back insert) order nothing wrong.
 */
export function* nextSeq(table: SeqTable): Sql<number> {
  const seq = yield* pluck<number>({
    sqlite: `SELECT coalesce(max(seq), 0) + 1 FROM ${table}`,
    postgres: `SELECT nextval('${table}_seq')`,
  }).get();
  // Both queries always give a row; the check is for the type, which cannot know that.
  if (seq === undefined) throw new Error(`no next seq for ${table}`);
  return seq;
}
