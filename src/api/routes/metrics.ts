import type { ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';

/** Prometheus text exposition of this process's registry (public, like /healthz; bind privately). */
export function registerMetrics(app: ApiApp, deps: { metrics: Pick<ApiDeps['metrics'], 'registry'> }): void {
  app.get('/metrics', async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType });
  });
}
