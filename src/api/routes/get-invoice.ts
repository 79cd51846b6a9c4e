import { createRoute } from '@hono/zod-openapi';
import { toInvoiceResource } from '../../domain/invoice.ts';
import { getInvoice } from '../../store/invoices.ts';
import type { ApiConfig, ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, IdParamSchema, InvoiceSchema } from '../schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/invoices/{id}',
  summary: 'Get an invoice',
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('inv') },
  responses: {
    200: { description: 'The invoice', content: { 'application/json': { schema: InvoiceSchema } } },
    ...errorResponses(400, 401, 404, 503),
  },
});

export function registerGetInvoice(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store'> & { config: Pick<ApiConfig, 'publicUrl'> },
): void {
  app.openapi(route, async (c) => {
    const found = await deps.store.read(getInvoice, c.get('merchant').id, c.req.valid('param').id);
    return c.json(toInvoiceResource(found.invoice, found.transfers, deps.config), 200);
  });
}
