import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainConfig } from '../../../src/config/chains.ts';
import type { InvoiceRecord } from '../../../src/domain/invoice.ts';
import { loadSecretBox } from '../../../src/runtime/secret-key.ts';
import { createInvoice } from '../../../src/store/invoices.ts';
import { createMerchant } from '../../../src/store/merchants.ts';
import type { Store } from '../../../src/store/store.ts';
import { createWebhookEndpoint } from '../../../src/store/webhook-endpoints.ts';
import { testXpub } from '../../fixtures/context.ts';
import { openTestDatabase, type TestDatabaseOptions } from '../../fixtures/test-database.ts';

/**
 * What `stablegate migrate` + `merchant create` + a registered endpoint leave behind, for tests that
 * run the CLI processes (`serve`, `watch`, `work`) as an operator would: a data dir with the SQLite
 * file and the chains file, the environment those processes read, and the test's own store.
 */
export type Deployment = {
  dir: string;
  env: Record<string, string>;
  /** The test's store on the same file (WAL: readers and one writer at a time, like the processes). */
  store: Store;
  /** DATABASE_URL on PostgreSQL (undefined on SQLite). */
  databaseUrl: string | undefined;
  chain: ChainConfig;
  merchantId: string;
  apiKey: string;
  xpub: string;
  /** The `whsec_` secret of the endpoint at `webhookUrl`, if one was registered. */
  secret: string | null;
  publicUrl: string;
  createInvoice(
    amount: bigint,
    options?: { symbol?: string; expiresInSeconds?: number },
  ): Promise<InvoiceRecord>;
  close(): Promise<void>;
};

export async function createDeployment(options: {
  chain: ChainConfig;
  redisUrl: string;
  webhookUrl?: string;
  env?: Record<string, string>;
  database?: TestDatabaseOptions;
}): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-reliability-'));
  const database = await openTestDatabase(dir, options.database);
  const { store } = database;
  const configPath = join(dir, 'chains.json');
  writeFileSync(configPath, JSON.stringify({ chains: [options.chain] }, null, 2));
  const xpub = testXpub(1);
  const { merchant, apiKey } = await store.write(createMerchant, { name: 'Reliability shop', xpub });
  // The processes seal and open endpoint secrets with the same key: the file beside the SQLite
  // database, or STABLEGATE_SECRET_KEY on PostgreSQL.
  const secrets = loadSecretBox(database);
  const secret = options.webhookUrl
    ? (
        await store.write(createWebhookEndpoint, {
          merchantId: merchant.id,
          url: options.webhookUrl,
          events: null,
          now: new Date(),
          secrets,
        })
      ).secret
    : null;
  const publicUrl = 'http://localhost:3000';
  const env: Record<string, string> = {
    ...database.env,
    REDIS_URL: options.redisUrl,
    STABLEGATE_CONFIG: configPath,
    PUBLIC_URL: publicUrl,
    ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
    // Receivers that fail come back quickly in these tests; the SPEC's three days would not end.
    WEBHOOK_RETRY_SCHEDULE: '0,1,1,2,2,3,5,5,10,10,30,30,60',
    LOG_LEVEL: 'info',
    // These processes are loaded on purpose by one API key from one address: production's rate
    // limits would answer 429 (they are tested in test/api/rate-limits.test.ts and the checkout's).
    RATE_LIMIT_WRITES_PER_MINUTE: '10000000',
    RATE_LIMIT_WRITES_BURST: '1000000',
    RATE_LIMIT_PAY_PER_MINUTE: '10000000',
    RATE_LIMIT_PAY_BURST: '1000000',
    ...options.env,
  };
  return {
    dir,
    env,
    store,
    databaseUrl: database.databaseUrl,
    chain: options.chain,
    merchantId: merchant.id,
    apiKey,
    xpub,
    secret,
    publicUrl,
    async createInvoice(amount, invoiceOptions = {}) {
      const symbol = invoiceOptions.symbol ?? 'USDC';
      const token = options.chain.tokens.find((candidate) => candidate.symbol === symbol);
      if (!token) throw new Error(`no token ${symbol}`);
      const { invoice } = await store.write(
        createInvoice,
        {
          merchantId: merchant.id,
          chainId: options.chain.chainId,
          token,
          amount,
          expiresInSeconds: invoiceOptions.expiresInSeconds ?? 3600,
        },
        { publicUrl, now: new Date() },
      );
      return invoice;
    },
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
