import { describe, expect, it } from 'vitest';
import { SHUTDOWN_PHASES, shutdown } from './shutdown.ts';

describe('shutdown', () => {
  it('closes HTTP, then watchers, workers, Redis and the database, whatever order the plan lists them in', async () => {
    const closed: string[] = [];
    const close = (name: string) => () => {
      closed.push(name);
    };
    await shutdown({
      database: [close('database')],
      redis: [close('redis')],
      workers: [close('workers')],
      watchers: [close('watchers')],
      http: [close('http')],
    });
    expect(closed).toEqual([...SHUTDOWN_PHASES]);
  });

  it('waits for a phase to finish before the next starts, and runs the closers of one phase together', async () => {
    const events: string[] = [];
    const release: (() => void)[] = [];
    const watcherStopped = new Promise<void>((resolve) => release.push(resolve));
    const stopping = shutdown({
      watchers: [
        async () => {
          events.push('watcher a stopping');
          await watcherStopped;
          events.push('watcher a stopped');
        },
        () => events.push('watcher b stopped'),
      ],
      workers: [() => events.push('workers closed')],
    });
    await Promise.resolve();
    expect(events).toEqual(['watcher a stopping', 'watcher b stopped']);
    for (const resolve of release) resolve();
    await stopping;
    expect(events).toEqual([
      'watcher a stopping',
      'watcher b stopped',
      'watcher a stopped',
      'workers closed',
    ]);
  });

  it('runs every later phase when a closer fails, then rethrows the first failure', async () => {
    const closed: string[] = [];
    const stopping = shutdown(
      {
        workers: [() => Promise.reject(new Error('worker close failed'))],
        database: [() => closed.push('db')],
      },
      {
        redis: [() => closed.push('redis')],
        watchers: [() => Promise.reject(new Error('watcher stop failed'))],
      },
    );
    await expect(stopping).rejects.toThrow('watcher stop failed');
    expect(closed).toEqual(['redis', 'db']);
  });
});
