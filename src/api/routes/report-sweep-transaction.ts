import { createRoute } from '@hono/zod-openapi';
import type { Hex } from 'viem';
import { ChainUnavailableError, NotFoundError } from '../../domain/errors.ts';
import { getSweep } from '../../store/sweep-reads.ts';
import type { ApiConfig, ApiDeps, ApiOptions, SweepService } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, IdParamSchema } from '../schemas.ts';
import { ReportSweepTransactionSchema, SweepSchema } from '../sweep-schemas.ts';
import { sweepResourceFor } from './list-sweeps.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/sweeps/{id}/transaction',
  summary: 'Report the transaction that sent an unsigned sweep',
  description:
    'Optional: an unsigned sweep is also recognised by its Flushed logs once mined. The transaction ' +
    'must call the ForwarderFactory with exactly the sweep’s `transaction.data`; the sweep becomes ' +
    '`submitted` (`sweep.submitted`) and is followed to `confirmed`. Reporting the same hash again ' +
    'answers the sweep as it is.',
  security: [{ bearer: [] }],
  request: {
    params: IdParamSchema('swp'),
    body: { required: true, content: { 'application/json': { schema: ReportSweepTransactionSchema } } },
  },
  responses: {
    200: { description: 'The sweep', content: { 'application/json': { schema: SweepSchema } } },
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 429, 502, 503, 507),
  },
});

export function registerReportSweepTransaction(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store'> &
    Pick<ApiOptions, 'onEvents'> & { config: Pick<ApiConfig, 'chains'>; sweeps: SweepService },
): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { txHash } = c.req.valid('json');
    // Another merchant's sweep is answered as not found, like any other object.
    const sweep = await deps.store.read(getSweep, c.get('merchant').id, id);
    if (!sweep) throw new NotFoundError('sweep_not_found', `No sweep ${id}.`);
    const chain = deps.config.chains.find((candidate) => candidate.chainId === sweep.chainId);
    if (!chain) throw new ChainUnavailableError(sweep.chainId, new Error('chain no longer configured'));
    const reported = await deps.sweeps.reportTransaction(chain, sweep, txHash as Hex);
    // Committed with sweep.submitted when the sweep moved from unsigned.
    deps.onEvents?.();
    return c.json(sweepResourceFor(deps, reported), 200);
  });
}
