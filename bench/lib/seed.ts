import { randomBytes } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { type Address, getAddress } from 'viem';
import { deriveDepositAddress } from '../../src/domain/deposit-address.ts';
import { newId } from '../../src/domain/ids.ts';
import { loadSecretBox } from '../../src/runtime/secret-key.ts';
import { createMerchant } from '../../src/store/merchants.ts';
import type { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createWebhookEndpoint } from '../../src/store/webhook-endpoints.ts';

/** Not anvil's mnemonic: deposit addresses never collide with the funded payer accounts. */
const BENCH_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** The account-level xpub m/44'/60'/<account>'/0 of the bench mnemonic: one per bench merchant. */
export function benchXpub(account: number): string {
  return HDKey.fromMasterSeed(mnemonicToSeedSync(BENCH_MNEMONIC)).derive(`m/44'/60'/${account}'/0`)
    .publicExtendedKey;
}

export type TokenRef = { symbol: string; address: Address; decimals: number };

export async function addMerchant(
  store: Store,
  account: number,
): Promise<{ merchantId: string; apiKey: string; xpub: string }> {
  const xpub = benchXpub(account);
  const { merchant, apiKey } = await store.write(createMerchant, { name: `Bench ${account}`, xpub });
  return { merchantId: merchant.id, apiKey, xpub };
}

/**
 * A webhook endpoint; its secret is sealed with the key every process of this database finds:
 * STABLEGATE_SECRET_KEY's value when the bench hands one to its processes, else `<databasePath>.key`.
 */
export async function addEndpoint(
  store: Store,
  keySource: { databasePath: string; secretKey?: string },
  merchantId: string,
  url: string,
  events: 'invoice.paid'[] | null,
): Promise<string> {
  const secrets = loadSecretBox(keySource);
  const { secret } = await store.write(createWebhookEndpoint, {
    merchantId,
    url,
    events,
    now: new Date(),
    secrets,
  });
  return secret;
}

/** Child addresses 0..count-1 of the xpub, as `POST /v1/invoices` would hand them out. */
export function deriveAddresses(xpub: string, count: number): Address[] {
  return Array.from({ length: count }, (_, index) => deriveDepositAddress(xpub, index));
}

/** Random EIP-55 addresses: for bulk rows where deriving (~0.65 ms each) would dominate setup. */
export function randomAddresses(count: number): Address[] {
  const bytes = randomBytes(20 * count);
  return Array.from({ length: count }, (_, i) =>
    getAddress(`0x${bytes.subarray(i * 20, i * 20 + 20).toString('hex')}`),
  );
}

export type SeededInvoice = { id: string; depositAddress: Address; rowid: number };

/**
 * Inserts open invoices straight into SQLite in big transactions (no API, no `invoice.created`
 * events): setup for the benchmarks, not what they measure. Rows have the shape createInvoice
 * writes, and the merchant's next address index moves past them. SQLite's own bulk insert, on the
 * store's connection: the benchmarks' tables say "inserted directly into SQLite".
 */
export function insertInvoices(
  store: SqliteStore,
  args: {
    merchantId: string;
    chainId: number;
    token: TokenRef;
    amount: bigint;
    addresses: readonly Address[];
    watchFromBlock: number | null;
    expiresInSeconds?: number;
    batchSize?: number;
  },
): SeededInvoice[] {
  const now = new Date();
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + (args.expiresInSeconds ?? 86_400) * 1000).toISOString();
  const { db } = store;
  const insert = db.prepare(
    `INSERT INTO invoices (id, merchant_id, status, chain_id, token_symbol, token_address, token_decimals, amount,
       address_index, deposit_address, watch_from_block, metadata, created_at, expires_at, updated_at, seq)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM invoices))`,
  );
  const seeded: SeededInvoice[] = [];
  const batchSize = args.batchSize ?? 50_000;
  for (let start = 0; start < args.addresses.length; start += batchSize) {
    db.transaction(() => {
      const end = Math.min(args.addresses.length, start + batchSize);
      for (let index = start; index < end; index++) {
        const id = newId('inv', now.getTime());
        const depositAddress = args.addresses[index] as Address;
        const { lastInsertRowid } = insert.run(
          id,
          args.merchantId,
          args.chainId,
          args.token.symbol,
          args.token.address,
          args.token.decimals,
          args.amount.toString(),
          index,
          depositAddress,
          args.watchFromBlock,
          createdAt,
          expiresAt,
          createdAt,
        );
        seeded.push({ id, depositAddress, rowid: Number(lastInsertRowid) });
      }
    }).immediate();
  }
  db.prepare('UPDATE merchants SET next_address_index = ? WHERE id = ?').run(
    args.addresses.length,
    args.merchantId,
  );
  return seeded;
}
