import { keccak256, toHex } from 'viem';
import type { ChainConfig } from '../../src/config/chains.ts';
import type { Config } from '../../src/config/env.ts';
import type { Clock } from '../../src/domain/clock.ts';
import type { TokenRef, TransferStatus } from '../../src/domain/invoice.ts';
import { createApi } from '../../src/runtime/create-api.ts';
import { createInvoice, type NewInvoice } from '../../src/store/invoices.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';

const allowAll = async (url: string) => ({ ok: true as const, url });

export type CheckoutFixture = {
  ctx: TestContext;
  app: ReturnType<typeof createApi>;
  merchantId: string;
  /** Creates an invoice of `amount` base units of the chain's first token (USDC, 6 decimals). */
  invoice(input?: Partial<NewInvoice>): ReturnType<typeof createInvoice>;
  /** Sets columns of the invoice row directly, as settlement would: the page must follow. */
  setInvoice(id: string, values: Record<string, string | null>): void;
  /** Inserts or updates a transfer row for the invoice, as the watcher would. */
  setTransfer(
    invoiceId: string,
    values: { amount: bigint; status: TransferStatus; confirmations: number },
  ): void;
};

/** The real API app with the checkout mounted, on a fresh SQLite file, as create-api.ts wires it. */
export function createCheckoutFixture(
  options: { chain?: ChainConfig; merchantName?: string; config?: Partial<Config>; clock?: Clock } = {},
) {
  const chain = options.chain ?? TEST_CHAIN;
  const ctx = createTestContext({
    chains: [chain],
    ...(options.config ? { config: options.config } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = createApi(ctx, { checkWebhookUrl: allowAll });
  const { merchant } = addMerchant(ctx, options.merchantName ?? 'Teahouse & Co <script>');
  const token = chain.tokens[0] as TokenRef;
  return {
    ctx,
    app,
    merchantId: merchant.id,
    invoice: (input = {}) =>
      createInvoice(
        ctx.db,
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
    setInvoice(id, values) {
      const columns = Object.keys(values);
      const assignments = columns.map((column) => `${column} = @${column}`).join(', ');
      ctx.db
        .prepare(`UPDATE invoices SET ${assignments}, updated_at = @updatedAt WHERE id = @id`)
        .run({ ...values, id, updatedAt: new Date().toISOString() });
    },
    setTransfer(invoiceId, values) {
      const found = ctx.db
        .prepare('SELECT chain_id, token_address, deposit_address FROM invoices WHERE id = ?')
        .get(invoiceId) as { chain_id: number; token_address: string; deposit_address: string };
      const now = new Date().toISOString();
      ctx.db
        .prepare(
          `INSERT INTO transfers (chain_id, invoice_id, token_address, tx_hash, log_index, block_number, block_hash,
             block_timestamp, from_address, to_address, amount, status, confirmations, detected_at, updated_at)
           VALUES (?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (chain_id, block_hash, log_index)
           DO UPDATE SET status = excluded.status, confirmations = excluded.confirmations, updated_at = excluded.updated_at`,
        )
        .run(
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
    },
  } satisfies CheckoutFixture;
}
