import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

export type HttpServer = { url: string; port: number; close(): Promise<void> };

/** How long in-flight requests get to finish on shutdown before their sockets are cut. */
const CLOSE_GRACE_MS = 10_000;

/** Serves `app` on 127.0.0.1-or-all:port; close() stops accepting, lets requests finish, then returns. */
export async function startHttpServer(
  app: Hono<never> | { fetch: Hono['fetch'] },
  options: { port: number; host?: string },
): Promise<HttpServer> {
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(
          () => 'closeAllConnections' in server && server.closeAllConnections(),
          CLOSE_GRACE_MS,
        );
        force.unref();
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
