import { onchainTable } from 'ponder';

/** One row per Transfer to a watched address; `indexedAt` is when the handler ran (ms). */
export const transfer = onchainTable('transfer', (t) => ({
  id: t.text().primaryKey(),
  to: t.hex().notNull(),
  amount: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  indexedAt: t.bigint().notNull(),
}));
