import { randomBytes } from 'node:crypto';
import type { Address } from 'viem';
import { newId } from '../../src/domain/ids.ts';
import { forUpdate, pluck, query, type Sql } from '../../src/store/sql.ts';
import type { Store } from '../../src/store/store.ts';
import type { SeededInvoice, TokenRef } from './seed.ts';

/** Rows per INSERT: at most 14 parameters a row keeps a statement under both engines' limits (SQLite 32,766; PostgreSQL 65,535). */
const ROWS_PER_INSERT = 500;
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

export type SeededPayment = Omit<SeededInvoice, 'rowid'>;

/**
 * Open invoices written through the store, so the same seed runs on SQLite and on PostgreSQL
 * (seed.ts's insertInvoices is SQLite's own bulk path). Rows have the shape createInvoice writes,
 * with no `invoice.created` events: setup, not what is measured. Each batch takes its address
 * indexes, rowids and seqs as createInvoice would: the merchant row locked, PostgreSQL's rowid
 * counter and `invoices_seq` moved past them.
 */
export async function insertOpenInvoices(
  store: Store,
  args: {
    merchantId: string;
    chainId: number;
    token: TokenRef;
    amount: bigint;
    addresses: readonly Address[];
  },
): Promise<SeededPayment[]> {
  const seeded: SeededPayment[] = [];
  for (let start = 0; start < args.addresses.length; start += ROWS_PER_INSERT) {
    const batch = args.addresses.slice(start, start + ROWS_PER_INSERT);
    seeded.push(...(await store.write(insertInvoiceBatch, args, batch)));
  }
  return seeded;
}

function* insertInvoiceBatch(
  args: { merchantId: string; chainId: number; token: TokenRef; amount: bigint },
  addresses: readonly Address[],
): Sql<SeededPayment[]> {
  const count = addresses.length;
  const firstIndex = yield* pluck<number>(
    forUpdate('SELECT next_address_index FROM merchants WHERE id = ?'),
  ).get(args.merchantId);
  if (firstIndex === undefined) throw new Error(`no merchant ${args.merchantId}`);
  const lastRowid = yield* pluck<number>({
    sqlite: 'SELECT coalesce(max(rowid), 0) + ? FROM invoices',
    postgres: "UPDATE store_counters SET value = value + ? WHERE name = 'invoice_rowid' RETURNING value",
  }).get(count);
  const lastSeq = yield* pluck<number>({
    sqlite: 'SELECT coalesce(max(seq), 0) + ? FROM invoices',
    postgres: "SELECT setval('invoices_seq', nextval('invoices_seq') + ? - 1)",
  }).get(count);
  if (lastRowid === undefined || lastSeq === undefined) throw new Error('no rowid or seq for the seed');
  const now = new Date();
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + 86_400_000).toISOString();
  const rows = addresses.map((depositAddress, i) => ({ id: newId('inv', now.getTime()), depositAddress, i }));
  yield* query(
    `INSERT INTO invoices (rowid, id, merchant_id, status, chain_id, token_symbol, token_address, token_decimals,
       amount, address_index, deposit_address, watch_from_block, metadata, created_at, expires_at, updated_at, seq)
     VALUES ${rows.map(() => "(?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, 0, '{}', ?, ?, ?, ?)").join(', ')}`,
  ).run(
    ...rows.flatMap(({ id, depositAddress, i }) => [
      lastRowid - count + 1 + i,
      id,
      args.merchantId,
      args.chainId,
      args.token.symbol,
      args.token.address,
      args.token.decimals,
      args.amount.toString(),
      firstIndex + i,
      depositAddress,
      createdAt,
      expiresAt,
      createdAt,
      lastSeq - count + 1 + i,
    ]),
  );
  yield* query('UPDATE merchants SET next_address_index = ? WHERE id = ?').run(
    firstIndex + count,
    args.merchantId,
  );
  return rows.map(({ id, depositAddress }) => ({ id, depositAddress }));
}

/**
 * One confirmed transfer paying each invoice `amount` in full, committed in one transaction as
 * one watcher batch would commit them. Resolves at the commit: the workers see them from then on.
 */
export async function insertConfirmedTransfers(
  store: Store,
  args: { chainId: number; token: TokenRef; amount: bigint; invoices: readonly SeededPayment[] },
): Promise<void> {
  const now = new Date().toISOString();
  const blockTimestamp = Math.floor(Date.now() / 1000);
  await store.write(function* () {
    for (let start = 0; start < args.invoices.length; start += ROWS_PER_INSERT) {
      const batch = args.invoices.slice(start, start + ROWS_PER_INSERT);
      yield* query(
        `INSERT INTO transfers (chain_id, invoice_id, token_address, tx_hash, log_index, block_number, block_hash,
           block_timestamp, from_address, to_address, amount, status, confirmations, detected_at, updated_at)
         VALUES ${batch.map(() => `(?, ?, ?, ?, 0, 100, ?, ?, '${PAYER}', ?, ?, 'confirmed', 1, ?, ?)`).join(', ')}`,
      ).run(
        ...batch.flatMap((invoice) => [
          args.chainId,
          invoice.id,
          args.token.address,
          `0x${randomBytes(32).toString('hex')}`,
          `0x${randomBytes(32).toString('hex')}`,
          blockTimestamp,
          invoice.depositAddress,
          args.amount.toString(),
          now,
          now,
        ]),
      );
    }
  });
}
