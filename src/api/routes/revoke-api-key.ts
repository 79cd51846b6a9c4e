import { createRoute, z } from '@hono/zod-openapi';
import { revokeApiKey } from '../../store/api-keys.ts';
import type { ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, IdParamSchema } from '../schemas.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  summary:
    "Revoke an API key at once (also the one making the request), unless it is the merchant's last active key (409 last_api_key)",
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('key') },
  responses: {
    200: {
      description: 'Revoked',
      content: { 'application/json': { schema: z.object({ id: z.string(), revoked: z.literal(true) }) } },
    },
    ...errorResponses(400, 401, 404, 409, 413, 429, 503, 507),
  },
});

export function registerRevokeApiKey(app: ApiApp, deps: Pick<ApiDeps, 'store' | 'clock'>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const merchantId = c.get('merchant').id;
    const now = deps.clock.now();
    await deps.store.write(revokeApiKey, { merchantId, id, now });
    return c.json({ id, revoked: true as const }, 200);
  });
}
