import { createServer } from 'node:net';

/**
 * Asks the OS for a port that is free right now on 127.0.0.1. Another process may take it before
 * the caller binds, so callers that spawn a server must still report a failed bind clearly.
 */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('listening on 127.0.0.1:0 gave no TCP port'));
        return;
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}
