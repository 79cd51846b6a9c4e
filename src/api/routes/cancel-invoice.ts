import { createRoute } from '@hono/zod-openapi';
import { toInvoiceResource } from '../../domain/invoice.ts';
import type { AppContext } from '../../runtime/context.ts';
import { cancelInvoice } from '../../store/invoices.ts';
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

export function registerCancelInvoice(app: ApiApp, ctx: AppContext): void {
  app.openapi(route, async (c) => {
    const merchantId = c.get('merchant').id;
    const { id } = c.req.valid('param');
    const now = ctx.clock.now();
    const found = await ctx.writes.run(() =>
      cancelInvoice(ctx.db, merchantId, id, { publicUrl: ctx.config.publicUrl, now }),
    );
    return c.json(toInvoiceResource(found.invoice, found.transfers, ctx.config), 200);
  });
}
