import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';

let ctx: TestContext | undefined;
afterEach(() => ctx?.close());

describe('GET /v1/chains', () => {
  it('gives each chain’s confirmations as the count or the block tag it was configured with', async () => {
    ctx = await createTestContext({
      chains: [TEST_CHAIN, { ...TEST_CHAIN, chainId: 1, name: 'Ethereum', confirmations: 'finalized' }],
    });
    const app = createApi(ctx, { checkWebhookUrl: async (url) => ({ ok: true as const, url }) });
    const { data } = await (await app.request('/v1/chains')).json();
    expect(
      data.map((chain: { chainId: number; confirmations: unknown }) => [chain.chainId, chain.confirmations]),
    ).toEqual([
      [31337, 3],
      [1, 'finalized'],
    ]);
    // The OpenAPI document says which values there are.
    const document = await (await app.request('/openapi.json')).json();
    const confirmations = document.components.schemas.Chain.properties.confirmations;
    expect(JSON.stringify(confirmations)).toContain('"enum":["safe","finalized"]');
    expect(confirmations.description).toContain('"safe" / "finalized"');
  });
});
