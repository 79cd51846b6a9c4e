import { Hono } from 'hono';
import type { Metrics } from '../observability/metrics.ts';
import { type HttpServer, startHttpServer } from './start-http-server.ts';

/**
 * The private listener of METRICS_PORT: `GET /metrics` and nothing else, so the Prometheus
 * scrape (which names routes, queues and chains) need not be reachable on the public port. Every
 * process kind starts one when configured, so `watch` and `work` can be scraped too.
 */
export function startMetricsServer(
  metrics: Pick<Metrics, 'registry'>,
  options: { port: number; host: string },
): Promise<HttpServer> {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
  app.notFound((c) => c.text('Not found: this listener serves /metrics only.', 404));
  return startHttpServer(app, options);
}
