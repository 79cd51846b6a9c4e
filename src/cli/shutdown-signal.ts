import type { Logger } from '../observability/logger.ts';

/** Resolves on the first SIGTERM or SIGINT; a second signal exits at once. Only cli/ installs these. */
export function onShutdownSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      received = true;
      logger.info({ signal }, 'shutting down');
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
