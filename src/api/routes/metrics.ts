import type { AppContext } from '../../runtime/context.ts';
import type { ApiApp } from '../api-env.ts';

/** Prometheus text exposition of this process's registry (public, like /healthz; bind privately). */
export function registerMetrics(app: ApiApp, ctx: AppContext): void {
  app.get('/metrics', async (c) => {
    const body = await ctx.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': ctx.metrics.registry.contentType });
  });
}
