import { createRoute } from '@hono/zod-openapi';
import { NotFoundError } from '../../domain/errors.ts';
import { getSweep } from '../../store/sweep-reads.ts';
import type { ApiConfig, ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, IdParamSchema } from '../schemas.ts';
import { SweepSchema } from '../sweep-schemas.ts';
import { sweepResourceFor } from './list-sweeps.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/sweeps/{id}',
  summary: 'Get a sweep',
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('swp') },
  responses: {
    200: { description: 'The sweep', content: { 'application/json': { schema: SweepSchema } } },
    ...errorResponses(400, 401, 404, 503),
  },
});

export function registerGetSweep(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store'> & { config: Pick<ApiConfig, 'chains'> },
): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    // Another merchant's sweep is answered as not found, like any other object.
    const sweep = await deps.store.read(getSweep, c.get('merchant').id, id);
    if (!sweep) throw new NotFoundError('sweep_not_found', `No sweep ${id}.`);
    return c.json(sweepResourceFor(deps, sweep), 200);
  });
}
