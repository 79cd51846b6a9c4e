import { createRoute, z } from '@hono/zod-openapi';
import { SWEEP_STATUSES, toSweepResource } from '../../domain/sweep.ts';
import type { AppContext } from '../../runtime/context.ts';
import { listMerchantSweeps } from '../../store/sweeps.ts';
import { tokenLookup } from '../../sweep/plan-chain-sweeps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, ListQuerySchema, listOf } from '../schemas.ts';
import { SweepSchema } from '../sweep-schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/sweeps',
  summary: 'List the sweeps of this merchant’s deposit addresses, newest first',
  security: [{ bearer: [] }],
  request: {
    query: ListQuerySchema.extend({
      chainId: z.coerce
        .number()
        .int()
        .positive()
        .optional()
        .openapi({ param: { name: 'chainId', in: 'query' } }),
      status: z
        .enum(SWEEP_STATUSES)
        .optional()
        .openapi({ param: { name: 'status', in: 'query' } }),
    }),
  },
  responses: {
    200: {
      description: 'A page of sweeps',
      content: { 'application/json': { schema: listOf(SweepSchema) } },
    },
    ...errorResponses(400, 401, 503),
  },
});

/** The sweep as its events show it; token symbols from the chain's configuration. */
export function sweepResourceFor(ctx: AppContext, sweep: Parameters<typeof toSweepResource>[0]) {
  const chain = ctx.config.chains.find((candidate) => candidate.chainId === sweep.chainId);
  const tokenOf = chain
    ? tokenLookup(chain)
    : (address: `0x${string}`) => ({ symbol: address, address, decimals: 0 });
  return toSweepResource(sweep, tokenOf);
}

export function registerListSweeps(app: ApiApp, ctx: AppContext): void {
  app.openapi(route, (c) => {
    const page = listMerchantSweeps(ctx.db, c.get('merchant').id, c.req.valid('query'));
    return c.json(
      { data: page.data.map((sweep) => sweepResourceFor(ctx, sweep)), hasMore: page.hasMore },
      200,
    );
  });
}
