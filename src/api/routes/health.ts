import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp } from '../api-env.ts';

/** Readiness of each dependency: the API is ready when every check says ok. */
export type ReadinessCheck = () => Promise<{
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}>;

/** Reads nothing, so it answers 200 even while SQLite is busy or full: that is /readyz's to report. */
const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the process answers',
  responses: {
    200: {
      description: 'Up',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});

const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: database, Redis and each chain within its head-lag bound',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
    // Every check catches its own failure (a busy database included), so not ready is always this body.
    503: {
      description: 'Not ready, with the reason',
      content: { 'application/json': { schema: ReadinessSchema } },
    },
  },
});

export function registerHealth(app: ApiApp, readiness: ReadinessCheck | undefined): void {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyRoute, async (c) => {
    const result = readiness ? await readiness() : { ok: true, checks: {} };
    return result.ok
      ? c.json({ status: 'ready' as const, checks: result.checks }, 200)
      : c.json({ status: 'not_ready' as const, checks: result.checks }, 503);
  });
}
