import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { createApi } from '../../src/runtime/create-api.ts';
import type { HttpServer } from '../../src/runtime/start-http-server.ts';
import { startMetricsServer } from '../../src/runtime/start-metrics-server.ts';
import { createTestContext, type TestContext } from '../fixtures/context.ts';

describe('METRICS_PORT', () => {
  let ctx: TestContext | undefined;
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    await ctx?.close();
  });

  it('is off by default: /metrics is on the public port, which listens on every interface', async () => {
    const result = loadConfig({ STABLEGATE_CONFIG: undefined }, { chains: [] });
    expect(result.ok && result.config).toMatchObject({ host: '0.0.0.0', metrics: null });
    ctx = await createTestContext();
    const response = await createApi(ctx).request('/metrics');
    expect(response.status).toBe(200);
  });

  it('when set, serves /metrics only on its own listener, never on the public port', async () => {
    const result = loadConfig({ METRICS_PORT: '0', HOST: '127.0.0.1' }, { chains: [] });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.metrics).toEqual({ port: 0, host: '127.0.0.1' });
    ctx = await createTestContext({ config: { metrics: result.config.metrics } });
    ctx.metrics.httpRequestDuration.observe({ method: 'GET', route: '/x', status: '200' }, 0.01);

    const publicResponse = await createApi(ctx).request('/metrics');
    expect(publicResponse.status).toBe(404);

    server = await startMetricsServer(ctx.metrics, { port: 0, host: '127.0.0.1' });
    const scraped = await fetch(`${server.url}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('stablegate_http_request_duration_seconds');
    expect((await fetch(`${server.url}/v1/chains`)).status).toBe(404);
  });

  it('refuses a bad METRICS_PORT with one line naming it', () => {
    const result = loadConfig({ METRICS_PORT: 'nine' }, { chains: [] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([expect.stringMatching(/^METRICS_PORT: /)]);
  });
});
