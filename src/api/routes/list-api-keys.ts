import { createRoute, z } from '@hono/zod-openapi';
import { listApiKeys } from '../../store/api-keys.ts';
import type { ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { ApiKeySchema, toApiKeyResource } from '../api-key-schema.ts';
import { errorResponses } from '../schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  summary: "List this merchant's active API keys, oldest first (the keys themselves are never shown again)",
  security: [{ bearer: [] }],
  responses: {
    200: {
      description: 'Active keys',
      content: { 'application/json': { schema: z.object({ data: z.array(ApiKeySchema) }) } },
    },
    ...errorResponses(401, 503),
  },
});

export function registerListApiKeys(app: ApiApp, deps: Pick<ApiDeps, 'store'>): void {
  app.openapi(route, async (c) => {
    const keys = await deps.store.read(listApiKeys, c.get('merchant').id);
    return c.json({ data: keys.map(toApiKeyResource) }, 200);
  });
}
