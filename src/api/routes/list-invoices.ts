import { createRoute, z } from '@hono/zod-openapi';
import { toInvoiceResource } from '../../domain/invoice.ts';
import { listInvoices } from '../../store/invoices.ts';
import type { ApiConfig, ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, InvoiceSchema, ListQuerySchema, listOf } from '../schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/invoices',
  summary: 'List invoices, newest first',
  security: [{ bearer: [] }],
  request: {
    query: ListQuerySchema.extend({
      status: z
        .enum(['pending', 'processing', 'paid', 'expired', 'canceled'])
        .optional()
        .openapi({ param: { name: 'status', in: 'query' } }),
    }),
  },
  responses: {
    200: {
      description: 'A page of invoices',
      content: { 'application/json': { schema: listOf(InvoiceSchema) } },
    },
    ...errorResponses(400, 401, 503),
  },
});

export function registerListInvoices(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store'> & { config: Pick<ApiConfig, 'publicUrl'> },
): void {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const page = await deps.store.read(listInvoices, c.get('merchant').id, query);
    return c.json(
      {
        data: page.data.map((found) => toInvoiceResource(found.invoice, found.transfers, deps.config)),
        hasMore: page.hasMore,
      },
      200,
    );
  });
}
