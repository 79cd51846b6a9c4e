import { createRoute, z } from '@hono/zod-openapi';
import { BaseError } from '../../domain/errors.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  type WebhookEndpoint,
} from '../../store/webhook-endpoints.ts';
import type { ApiConfig, ApiDeps, WebhookUrlCheck } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import {
  CreateWebhookEndpointSchema,
  errorResponses,
  IdParamSchema,
  problemContent,
  WebhookEndpointSchema,
} from '../schemas.ts';

const toResource = (endpoint: WebhookEndpoint) => ({
  id: endpoint.id,
  object: 'webhook_endpoint' as const,
  url: endpoint.url,
  events: endpoint.events,
  status: endpoint.status,
  disabledReason: endpoint.disabledReason,
  createdAt: endpoint.createdAt.toISOString(),
});

const createEndpointRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-endpoints',
  summary: 'Register a webhook endpoint; the signing secret is shown only in this response',
  security: [{ bearer: [] }],
  request: {
    body: { required: true, content: { 'application/json': { schema: CreateWebhookEndpointSchema } } },
  },
  responses: {
    201: {
      description: 'Created',
      content: {
        'application/json': {
          schema: WebhookEndpointSchema.extend({ secret: z.string().openapi({ example: 'whsec_…' }) }),
        },
      },
    },
    409: {
      description: 'Problem: `webhook_endpoint_limit`, the merchant has the most endpoints allowed',
      content: problemContent,
    },
    ...errorResponses(400, 401, 413, 415, 429, 503, 507),
  },
});

const listEndpointsRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-endpoints',
  summary: 'List webhook endpoints',
  security: [{ bearer: [] }],
  responses: {
    200: {
      description: 'Endpoints (secrets are never shown again)',
      content: { 'application/json': { schema: z.object({ data: z.array(WebhookEndpointSchema) }) } },
    },
    ...errorResponses(401, 503),
  },
});

const deleteEndpointRoute = createRoute({
  method: 'delete',
  path: '/v1/webhook-endpoints/{id}',
  summary: 'Delete a webhook endpoint',
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('whe') },
  responses: {
    200: {
      description: 'Deleted',
      content: { 'application/json': { schema: z.object({ id: z.string(), deleted: z.literal(true) }) } },
    },
    ...errorResponses(400, 401, 404, 413, 429, 503, 507),
  },
});

export function registerWebhookEndpoints(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store' | 'clock' | 'secrets'> & { config: Pick<ApiConfig, 'limits'> },
  checkUrl: WebhookUrlCheck,
): void {
  app.openapi(createEndpointRoute, async (c) => {
    const body = c.req.valid('json');
    const checked = await checkUrl(body.url);
    if (!checked.ok) {
      throw new BaseError(checked.code, `The webhook URL is refused: ${checked.reason}.`, {
        errors: [{ field: 'url', message: checked.reason }],
      });
    }
    const { endpoint, secret } = await deps.store.write(createWebhookEndpoint, {
      merchantId: c.get('merchant').id,
      url: checked.url,
      events: body.events ?? null,
      now: deps.clock.now(),
      secrets: deps.secrets,
      maxPerMerchant: deps.config.limits.webhookEndpointsPerMerchant,
    });
    return c.json({ ...toResource(endpoint), secret }, 201);
  });

  app.openapi(listEndpointsRoute, async (c) => {
    const endpoints = await deps.store.read(listWebhookEndpoints, c.get('merchant').id);
    return c.json({ data: endpoints.map(toResource) }, 200);
  });

  app.openapi(deleteEndpointRoute, async (c) => {
    const { id } = c.req.valid('param');
    await deps.store.write(deleteWebhookEndpoint, c.get('merchant').id, id, deps.clock.now());
    return c.json({ id, deleted: true as const }, 200);
  });
}
