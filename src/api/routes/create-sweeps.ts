import { createRoute, z } from '@hono/zod-openapi';
import { ValidationError } from '../../domain/errors.ts';
import type { ApiConfig, SweepService } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses } from '../schemas.ts';
import { CreateSweepsSchema, SweepSchema } from '../sweep-schemas.ts';
import { sweepResourceFor } from './list-sweeps.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/sweeps',
  summary: 'Sweeps for the merchant’s own wallet to send: its paid deposit addresses to its payout',
  description:
    'For a merchant who pays the fees itself: each `unsigned` sweep carries a `transaction` calling ' +
    'ForwarderFactory.sweep, which can only pay the payout its deposit addresses commit to, so any ' +
    'wallet may send it (EIP-1193 `eth_sendTransaction` takes `{ to, data, gas }` as is). Batched under ' +
    'half the block gas limit. Each sweep holds its addresses until `expiresAt`; once its transaction is ' +
    'seen on chain (or reported with `POST /v1/sweeps/{id}/transaction`) it is followed to `confirmed` ' +
    'like any other, with `sweep.*` events. Calling again returns the open ones again, plus new ones ' +
    'for what was paid since; an empty `data` list means nothing is due.',
  security: [{ bearer: [] }],
  request: {
    body: { required: false, content: { 'application/json': { schema: CreateSweepsSchema } } },
  },
  responses: {
    200: {
      description: 'The open unsigned sweeps, per chain',
      content: { 'application/json': { schema: z.object({ data: z.array(SweepSchema) }) } },
    },
    ...errorResponses(400, 401, 413, 415, 429, 502, 503, 507),
  },
});

export function registerCreateSweeps(
  app: ApiApp,
  deps: { config: Pick<ApiConfig, 'chains'>; sweeps: SweepService },
): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json') ?? {};
    const chains = deps.config.chains.filter(
      (chain) => body.chainId === undefined || chain.chainId === body.chainId,
    );
    if (chains.length === 0)
      throw new ValidationError([{ field: 'chainId', message: `no configured chain ${body.chainId}` }]);
    const merchantId = c.get('merchant').id;
    const data = [];
    for (const chain of chains) {
      const sweeps = await deps.sweeps.createUnsigned(chain, { merchantId, min: body.min });
      data.push(...sweeps.map((sweep) => sweepResourceFor(deps, sweep)));
    }
    return c.json({ data }, 200);
  });
}
