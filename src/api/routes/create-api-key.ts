import { createRoute, z } from '@hono/zod-openapi';
import { createApiKey } from '../../store/api-keys.ts';
import type { ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { ApiKeySchema, CreateApiKeySchema, toApiKeyResource } from '../api-key-schema.ts';
import { errorResponses } from '../schemas.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  summary: 'Create another API key for this merchant; the key is shown only in this response',
  security: [{ bearer: [] }],
  request: {
    body: { required: false, content: { 'application/json': { schema: CreateApiKeySchema } } },
  },
  responses: {
    201: {
      description: 'Created',
      content: {
        'application/json': {
          schema: ApiKeySchema.extend({ key: z.string().openapi({ example: 'sk_…' }) }),
        },
      },
    },
    ...errorResponses(400, 401, 413, 415, 429, 503, 507),
  },
});

export function registerCreateApiKey(app: ApiApp, deps: Pick<ApiDeps, 'store' | 'clock'>): void {
  app.openapi(route, async (c) => {
    const { name } = c.req.valid('json');
    const merchantId = c.get('merchant').id;
    const now = deps.clock.now();
    const created = await deps.store.write(createApiKey, { merchantId, name: name ?? null, now });
    return c.json({ ...toApiKeyResource(created.apiKey), key: created.secret }, 201);
  });
}
