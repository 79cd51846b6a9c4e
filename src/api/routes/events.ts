import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../domain/errors.ts';
import { redeliverEvent } from '../../store/delivery-outbox.ts';
import { type DeliveryWithAttempts, listDeliveries } from '../../store/delivery-reads.ts';
import type { Delivery } from '../../store/delivery-rows.ts';
import { type EventRecord, getEvent, listEvents } from '../../store/events.ts';
import type { ApiDeps, ApiOptions } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import {
  EventTypeSchema,
  errorResponses,
  IdParamSchema,
  InvoiceSchema,
  ListQuerySchema,
  listOf,
} from '../schemas.ts';
import { SweepSchema } from '../sweep-schemas.ts';

/** Events (the outbox merchants can read back) and their webhook deliveries. */

const EventSchema = z
  .object({
    id: z.string().openapi({ example: 'evt_01jd3x9q0000000000000000000' }),
    object: z.literal('event'),
    type: EventTypeSchema,
    createdAt: z.string(),
    /** The invoice of an `invoice.*` event; null for `sweep.*` events. */
    invoiceId: z.string().nullable(),
    sweepId: z.string().nullable(),
    data: z.union([z.object({ invoice: InvoiceSchema }), z.object({ sweep: SweepSchema })]),
  })
  .openapi('Event');

const DeliveryAttemptSchema = z
  .object({
    attemptedAt: z.string(),
    responseStatus: z.number().int().nullable(),
    durationMs: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('DeliveryAttempt');

const DeliverySchema = z
  .object({
    id: z.string().openapi({ example: 'dlv_01jd3x9q0000000000000000000' }),
    object: z.literal('webhook_delivery'),
    eventId: z.string(),
    endpointId: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    attemptsLog: z.array(DeliveryAttemptSchema),
  })
  .openapi('WebhookDelivery');

const DeliveryListSchema = z.object({ data: z.array(DeliverySchema) });

/** The stored payload is the exact body endpoints receive; the API shows it with its envelope. */
function toEventResource(event: EventRecord) {
  const payload = JSON.parse(event.payload) as { data: z.infer<typeof EventSchema>['data'] };
  return {
    id: event.id,
    object: 'event' as const,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    invoiceId: event.invoiceId,
    sweepId: event.sweepId,
    data: payload.data,
  };
}

function toDeliveryResource(delivery: Delivery | DeliveryWithAttempts) {
  return {
    id: delivery.id,
    object: 'webhook_delivery' as const,
    eventId: delivery.eventId,
    endpointId: delivery.endpointId,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    attemptsLog: ('attemptsLog' in delivery ? delivery.attemptsLog : []).map((attempt) => ({
      attemptedAt: attempt.attemptedAt.toISOString(),
      responseStatus: attempt.responseStatus,
      durationMs: attempt.durationMs,
      error: attempt.error,
    })),
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/events',
  summary: 'List events, newest first',
  security: [{ bearer: [] }],
  request: {
    query: ListQuerySchema.extend({
      invoiceId: z
        .string()
        .max(64)
        .optional()
        .openapi({ param: { name: 'invoiceId', in: 'query' } }),
      type: EventTypeSchema.optional().openapi({ param: { name: 'type', in: 'query' } }),
    }),
  },
  responses: {
    200: {
      description: 'A page of events',
      content: { 'application/json': { schema: listOf(EventSchema) } },
    },
    ...errorResponses(400, 401, 503),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/events/{id}',
  summary: 'Get an event',
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('evt') },
  responses: {
    200: { description: 'The event', content: { 'application/json': { schema: EventSchema } } },
    ...errorResponses(400, 401, 404, 503),
  },
});

const deliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/events/{id}/deliveries',
  summary: "List an event's webhook deliveries with every attempt",
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('evt') },
  responses: {
    200: {
      description: 'Deliveries, oldest first',
      content: { 'application/json': { schema: DeliveryListSchema } },
    },
    ...errorResponses(400, 401, 404, 503),
  },
});

const redeliverRoute = createRoute({
  method: 'post',
  path: '/v1/events/{id}/redeliver',
  summary: 'Send an event again to every endpoint subscribed to it now',
  description:
    'Creates a new delivery per subscribed, enabled endpoint, attempted at once with the full retry ' +
    'schedule. The body and `webhook-id` are the same as the first time, so receivers can deduplicate.',
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('evt') },
  responses: {
    202: {
      description: 'The new deliveries, queued',
      content: { 'application/json': { schema: DeliveryListSchema } },
    },
    ...errorResponses(400, 401, 404, 413, 429, 503, 507),
  },
});

export function registerEvents(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store' | 'clock'> & Pick<ApiOptions, 'onEvents'>,
): void {
  const findEvent = async (merchantId: string, id: string): Promise<EventRecord> => {
    const event = await deps.store.read(getEvent, merchantId, id);
    if (!event) throw new NotFoundError('event_not_found', `No event ${id}.`);
    return event;
  };

  app.openapi(listRoute, async (c) => {
    const page = await deps.store.read(listEvents, c.get('merchant').id, c.req.valid('query'));
    return c.json({ data: page.data.map(toEventResource), hasMore: page.hasMore }, 200);
  });

  app.openapi(getRoute, async (c) =>
    c.json(toEventResource(await findEvent(c.get('merchant').id, c.req.valid('param').id)), 200),
  );

  app.openapi(deliveriesRoute, async (c) => {
    const merchantId = c.get('merchant').id;
    const event = await findEvent(merchantId, c.req.valid('param').id);
    const deliveries = await deps.store.read(listDeliveries, merchantId, event.id);
    return c.json({ data: deliveries.map(toDeliveryResource) }, 200);
  });

  app.openapi(redeliverRoute, async (c) => {
    const deliveries = await deps.store.write(
      redeliverEvent,
      c.get('merchant').id,
      c.req.valid('param').id,
      deps.clock.now(),
    );
    deps.onEvents?.();
    return c.json({ data: deliveries.map(toDeliveryResource) }, 202);
  });
}
