import { parseArgs } from 'node:util';
import { createApi } from '../../runtime/create-api.ts';
import { createContext } from '../../runtime/create-context.ts';
import { createReadiness } from '../../runtime/readiness.ts';
import { startHttpServer } from '../../runtime/start-http-server.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

/** The HTTP API alone, for production: `stablegate serve`. */
export async function serveCommand(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const config = loadConfigOrExit();
  const ctx = createContext(config, { name: 'stablegate-api' });
  const readiness = createReadiness(ctx, { redisUrl: config.redisUrl });
  const server = await startHttpServer(createApi(ctx, { readiness }), { port: config.port });
  ctx.logger.info({ url: server.url, publicUrl: config.publicUrl }, 'API listening');
  await onShutdownSignal(ctx.logger);
  await server.close();
  await readiness.close();
  ctx.db.close();
  ctx.logger.info('API stopped');
  return 0;
}
