import { createRoute, z } from '@hono/zod-openapi';
import type { PublicClient } from 'viem';
import type { ChainConfig } from '../../config/chains.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { AppContext } from '../../runtime/context.ts';
import { createSweepClient } from '../../sweep/create-sweep-client.ts';
import { planChainSweeps, toUnsignedSweep } from '../../sweep/plan-chain-sweeps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses } from '../schemas.ts';
import { CreateSweepsSchema, UnsignedSweepSchema } from '../sweep-schemas.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/sweeps',
  summary: 'The unsigned sweep transactions that move this merchant’s paid deposit addresses to its payout',
  description:
    'For a gateway without a gas wallet: each transaction calls ForwarderFactory.sweep, which can only ' +
    'pay the payout its deposit addresses commit to, so any wallet may send it (EIP-1193 ' +
    '`eth_sendTransaction` takes `{ to, data, gas }` as is). Batched under half the block gas limit. ' +
    'Nothing is recorded: an empty `data` list means nothing is due.',
  security: [{ bearer: [] }],
  request: {
    body: { required: false, content: { 'application/json': { schema: CreateSweepsSchema } } },
  },
  responses: {
    200: {
      description: 'The transactions to send, per chain',
      content: { 'application/json': { schema: z.object({ data: z.array(UnsignedSweepSchema) }) } },
    },
    ...errorResponses(400, 401, 413, 415, 429, 502, 503, 507),
  },
});

export function registerCreateSweeps(app: ApiApp, ctx: AppContext): void {
  const clients = new Map<number, PublicClient>();
  const clientOf = (chain: ChainConfig) => {
    let client = clients.get(chain.chainId);
    if (!client) {
      client = createSweepClient(chain.rpcUrl);
      clients.set(chain.chainId, client);
    }
    return client;
  };
  app.openapi(route, async (c) => {
    const body = c.req.valid('json') ?? {};
    const chains = ctx.config.chains.filter(
      (chain) => body.chainId === undefined || chain.chainId === body.chainId,
    );
    if (chains.length === 0)
      throw new ValidationError([{ field: 'chainId', message: `no configured chain ${body.chainId}` }]);
    const merchantId = c.get('merchant').id;
    const data = [];
    for (const chain of chains) {
      const batches = await planChainSweeps({
        db: ctx.db,
        client: clientOf(chain),
        chain,
        request: { merchantId, min: body.min },
      });
      data.push(...batches.map((batch) => toUnsignedSweep(batch, chain)));
    }
    return c.json({ data }, 200);
  });
}
