import { keccak256, toHex } from 'viem';
import type { ChainConfig } from '../../src/config/chains.ts';
import type { Config } from '../../src/config/env.ts';
import type { Clock } from '../../src/domain/clock.ts';
import type { TokenRef, TransferStatus } from '../../src/domain/invoice.ts';
import { createApi } from '../../src/runtime/create-api.ts';
import { createInvoice, type InvoiceWithTransfers, type NewInvoice } from '../../src/store/invoices.ts';
import { query, type Sql } from '../../src/store/sql.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';

const allowAll = async (url: string) => ({ ok: true as const, url });

export type CheckoutFixture = {
  ctx: TestContext;
  app: ReturnType<typeof createApi>;
  merchantId: string;
  /** Creates an invoice of `amount` base units of the chain's first token (USDC, 6 decimals). */
  invoice(input?: Partial<NewInvoice>): Promise<InvoiceWithTransfers>;
  /** Sets columns of the invoice row directly, as settlement would: the page must follow. */
  setInvoice(id: string, values: Record<string, string | null>): Promise<void>;
  /** Inserts or updates a transfer row for the invoice, as the watcher would. */
  setTransfer(
    invoiceId: string,
    values: { amount: bigint; status: TransferStatus; confirmations: number },
  ): Promise<void>;
};

/** Sets columns of an invoice row, bumping its `updated_at`. */
function* updateInvoiceRow(id: string, values: Record<string, string | null>): Sql<void> {
  const assignments = Object.keys(values)
    .map((column) => `${column} = @${column}`)
    .join(', ');
  yield* query(`UPDATE invoices SET ${assignments}, updated_at = @updatedAt WHERE id = @id`).run({
    ...values,
    id,
    updatedAt: new Date().toISOString(),
  });
}

/** Inserts the invoice's one transfer (one block per invoice), or updates its status and confirmations. */
function* upsertTransferRow(
  invoiceId: string,
  values: { amount: bigint; status: TransferStatus; confirmations: number },
): Sql<void> {
  const found = yield* query<{ chain_id: number; token_address: string; deposit_address: string }>(
    'SELECT chain_id, token_address, deposit_address FROM invoices WHERE id = ?',
  ).get(invoiceId);
  if (!found) throw new Error(`no invoice ${invoiceId}`);
  const now = new Date().toISOString();
  yield* query(
    `INSERT INTO transfers (chain_id, invoice_id, token_address, tx_hash, log_index, block_number, block_hash,
       block_timestamp, from_address, to_address, amount, status, confirmations, detected_at, updated_at)
     VALUES (?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (chain_id, block_hash, log_index)
     DO UPDATE SET status = excluded.status, confirmations = excluded.confirmations, updated_at = excluded.updated_at`,
  ).run(
    found.chain_id,
    invoiceId,
    found.token_address,
    `0x${'ab'.repeat(32)}`,
    keccak256(toHex(invoiceId)), // one block per invoice: the upsert key
    Math.floor(Date.now() / 1000),
    '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    found.deposit_address,
    values.amount.toString(),
    values.status,
    values.confirmations,
    now,
    now,
  );
}

/** The real API app with the checkout mounted, on a fresh SQLite file, as create-api.ts wires it. */
export async function createCheckoutFixture(
  options: { chain?: ChainConfig; merchantName?: string; config?: Partial<Config>; clock?: Clock } = {},
): Promise<CheckoutFixture> {
  const chain = options.chain ?? TEST_CHAIN;
  const ctx = await createTestContext({
    chains: [chain],
    ...(options.config ? { config: options.config } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = createApi(ctx, { checkWebhookUrl: allowAll });
  const { merchant } = await addMerchant(ctx, options.merchantName ?? 'Teahouse & Co <script>');
  const token = chain.tokens[0] as TokenRef;
  return {
    ctx,
    app,
    merchantId: merchant.id,
    invoice: (input = {}) =>
      ctx.store.write(
        createInvoice,
        {
          merchantId: merchant.id,
          chainId: chain.chainId,
          token,
          amount: 25_500_000n,
          expiresInSeconds: 3600,
          orderId: 'order-secret-42',
          description: 'Two oolong teas',
          metadata: { customerEmail: 'secret@example.com' },
          ...input,
        },
        { publicUrl: ctx.config.publicUrl, now: ctx.clock.now() },
      ),
    setInvoice: (id, values) => ctx.store.write(updateInvoiceRow, id, values),
    setTransfer: (invoiceId, values) => ctx.store.write(upsertTransferRow, invoiceId, values),
  };
}
