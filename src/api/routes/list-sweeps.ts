import { createRoute, z } from '@hono/zod-openapi';
import { SWEEP_STATUSES, tokenLookup, toSweepResource } from '../../domain/sweep.ts';
import { listMerchantSweeps } from '../../store/sweep-reads.ts';
import type { ApiConfig, ApiDeps } from '../api-deps.ts';
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
export function sweepResourceFor(
  deps: { config: Pick<ApiConfig, 'chains'> },
  sweep: Parameters<typeof toSweepResource>[0],
) {
  const chain = deps.config.chains.find((candidate) => candidate.chainId === sweep.chainId);
  const tokenOf = chain
    ? tokenLookup(chain)
    : (address: `0x${string}`) => ({ symbol: address, address, decimals: 0 });
  return toSweepResource(sweep, tokenOf);
}

export function registerListSweeps(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store'> & { config: Pick<ApiConfig, 'chains'> },
): void {
  app.openapi(route, async (c) => {
    const page = await deps.store.read(listMerchantSweeps, c.get('merchant').id, c.req.valid('query'));
    return c.json(
      { data: page.data.map((sweep) => sweepResourceFor(deps, sweep)), hasMore: page.hasMore },
      200,
    );
  });
}
