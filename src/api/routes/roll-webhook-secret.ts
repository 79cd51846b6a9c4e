import { createRoute, z } from '@hono/zod-openapi';
import { rollWebhookSecret } from '../../store/webhook-endpoints.ts';
import type { ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, IdParamSchema } from '../schemas.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/webhook-endpoints/{id}/roll-secret',
  summary:
    'Replace the signing secret; the new one is shown only in this response. For 24 h deliveries carry signatures by both the new and the previous secret',
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('whe') },
  responses: {
    200: {
      description: 'The new secret',
      content: {
        'application/json': {
          schema: z.object({
            id: z.string(),
            secret: z.string().openapi({ example: 'whsec_…' }),
            previousSecretExpiresAt: z
              .string()
              .openapi({ description: 'Until then the previous secret signs as well' }),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 404, 413, 429, 503, 507),
  },
});

export function registerRollWebhookSecret(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store' | 'clock' | 'secrets'>,
): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const merchantId = c.get('merchant').id;
    const now = deps.clock.now();
    const rolled = await deps.store.write(rollWebhookSecret, { merchantId, id, now, secrets: deps.secrets });
    return c.json(
      { id, secret: rolled.secret, previousSecretExpiresAt: rolled.previousSecretExpiresAt.toISOString() },
      200,
    );
  });
}
