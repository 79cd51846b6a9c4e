import { checkWebhookUrl } from '../../../src/notify/url-guard.ts';
import { createApi } from '../../../src/runtime/create-api.ts';
import { createInvoice } from '../../../src/store/invoices.ts';
import { pluck } from '../../../src/store/sql.ts';
import { createWebhookEndpoint } from '../../../src/store/webhook-endpoints.ts';
import { addMerchant, createTestContext, type TestContext } from '../../fixtures/context.ts';

export type FuzzTarget = {
  ctx: TestContext;
  app: ReturnType<typeof createApi>;
  apiKeys: string[];
  xpubs: string[];
  secrets: string[];
  ids: string[];
};

/** Two merchants with invoices, events and an endpoint, on the real app with its checkout routes. */
export async function createFuzzTarget(): Promise<FuzzTarget> {
  const ctx = await createTestContext();
  const shop = await addMerchant(ctx, 'Fuzz shop', 1);
  const other = await addMerchant(ctx, 'Other shop', 2);
  const ids: string[] = [];
  const secrets: string[] = [];
  for (const merchant of [shop.merchant, other.merchant]) {
    const endpoint = await ctx.store.write(createWebhookEndpoint, {
      merchantId: merchant.id,
      url: 'http://127.0.0.1:9/hook',
      events: null,
      now: new Date(),
      secrets: ctx.secrets,
    });
    secrets.push(endpoint.secret);
    ids.push(endpoint.endpoint.id);
    for (let i = 0; i < 3; i++) {
      const token = ctx.config.chains[0]?.tokens[0];
      if (!token) throw new Error('no token configured');
      const { invoice } = await ctx.store.write(
        createInvoice,
        { merchantId: merchant.id, chainId: 31337, token, amount: 1_500_000n, expiresInSeconds: 3600 },
        { publicUrl: ctx.config.publicUrl, now: new Date() },
      );
      ids.push(invoice.id);
    }
  }
  ids.push(...(await ctx.store.read(() => pluck<string>('SELECT id FROM events').all())));
  // createApi(ctx) with a URL guard whose host names resolve to loopback only: the fuzzer must not
  // send DNS queries off the machine for the webhook URLs it invents.
  const app = createApi(ctx, {
    checkWebhookUrl: (url) =>
      checkWebhookUrl(url, {
        allowPrivate: ctx.config.allowPrivateWebhookUrls,
        lookup: async (host) => {
          if (host === 'localhost') return [{ address: '127.0.0.1' }];
          throw new Error(`${host}: not resolved in tests`);
        },
      }),
  });
  const xpubs = await ctx.store.read(() => pluck<string>('SELECT xpub FROM merchants').all());
  return { ctx, app, apiKeys: [shop.apiKey, other.apiKey], xpubs, secrets, ids };
}
