import { createRoute } from '@hono/zod-openapi';
import { toInvoiceResource } from '../../domain/invoice.ts';
import { cancelInvoice } from '../../store/invoices.ts';
import type { ApiConfig, ApiDeps, ApiOptions } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses, IdParamSchema, InvoiceSchema } from '../schemas.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/invoices/{id}/cancel',
  summary: 'Cancel a pending invoice that has received nothing',
  security: [{ bearer: [] }],
  request: { params: IdParamSchema('inv') },
  responses: {
    200: { description: 'The canceled invoice', content: { 'application/json': { schema: InvoiceSchema } } },
    ...errorResponses(400, 401, 404, 409, 413, 429, 503, 507),
  },
});

export function registerCancelInvoice(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store' | 'clock'> &
    Pick<ApiOptions, 'onEvents'> & { config: Pick<ApiConfig, 'publicUrl'> },
): void {
  app.openapi(route, async (c) => {
    const merchantId = c.get('merchant').id;
    const { id } = c.req.valid('param');
    const now = deps.clock.now();
    const found = await deps.store.write(cancelInvoice, merchantId, id, {
      publicUrl: deps.config.publicUrl,
      now,
    });
    deps.onEvents?.();
    return c.json(toInvoiceResource(found.invoice, found.transfers, deps.config), 200);
  });
}
