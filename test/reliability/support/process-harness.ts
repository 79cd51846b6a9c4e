import { afterEach } from 'vitest';
import { type Reply, startWebhookReceiver, type WebhookReceiver } from '../../../harness/webhook-receiver.ts';
import type { ChainConfig } from '../../../src/config/chains.ts';
import { type RedisServer, startRedisServer } from '../../../src/devnet/start-redis-server.ts';
import { type CliProcess, isolatedEnv, spawnCli } from '../../fixtures/cli-process.ts';
import type { TestDatabaseOptions } from '../../fixtures/test-database.ts';
import { createDeployment, type Deployment } from './deployment.ts';

type Deployed = { redis: RedisServer; deployment: Deployment };

/** How the sink treats the n-th request (0-based) carrying one webhook-id: answer after a delay, or hold it open. */
export type SinkBehaviour = (webhookId: string, nthForId: number) => { delayMs: number } | 'hang';

/**
 * The harness's webhook receiver as a merchant's endpoint that can be slow or hang, so a crash can
 * land mid-delivery: every path answered `200 ok` after the behaviour's delay, connections kept
 * alive 1 s. It verifies each signature once the test gives it the endpoint's secret.
 */
export function startWebhookSink(
  behaviour: SinkBehaviour = () => ({ delayMs: 0 }),
): Promise<WebhookReceiver> {
  const ok: Reply = { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
  return startWebhookReceiver({
    keepAliveTimeoutMs: 1_000,
    reply: (request, _nthForPath, nthForId) => {
      const reply = behaviour(request.webhookId, nthForId);
      return reply === 'hang' ? reply : { ...ok, delayMs: reply.delayMs };
    },
  });
}

/**
 * What a test that runs the CLI processes needs started, and stopped again after it whatever the
 * test did: its own redis-server (so it can hang or lose it), a webhook sink, a deployment, and
 * the `serve`/`watch`/`work` processes.
 */
export type ProcessHarness = {
  /** A redis-server, a sink (answering per `sinkBehaviour`, verifying with the endpoint's secret) and a deployment using both. */
  deploy(options: {
    chain: ChainConfig;
    sinkBehaviour?: SinkBehaviour;
    /** The suite's engine unless given (test-database.ts). */
    database?: TestDatabaseOptions;
  }): Promise<Deployed & { sink: WebhookReceiver }>;
  /** A redis-server and a deployment with no webhook endpoint registered. */
  deployWithoutWebhooks(options: { chain: ChainConfig }): Promise<Deployed>;
  /**
   * The CLI (or a TypeScript `script`) with an environment of the essentials and `env` only
   * (`isolatedEnv`), stopped after the test if it still runs.
   */
  startCli(
    name: string,
    args: string[],
    env: Record<string, string>,
    options?: { script?: string },
  ): CliProcess;
  /** Stops the redis-server and starts an empty one on the same port, as after losing Redis. */
  restartRedisEmpty(): Promise<RedisServer>;
};

/**
 * Registers the teardown (processes, then sink, Redis, deployment) as an `afterEach` of the calling
 * file. `stopGraceMs` is how long each process has after SIGTERM before SIGKILL (10 s unless
 * given).
 */
export function withProcessHarness(options: { stopGraceMs?: number } = {}): ProcessHarness {
  // Each is set as soon as it exists, so a setup that fails halfway is still torn down.
  let redis: RedisServer | undefined;
  let sink: WebhookReceiver | undefined;
  let deployment: Deployment | undefined;
  const processes: CliProcess[] = [];

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((process) => process.stop(options.stopGraceMs ?? 10_000)));
    // Each is stopped even if another fails to; the first failure is reported after.
    const results = await Promise.allSettled([sink?.close(), redis?.stop(), deployment?.close()]);
    redis = undefined;
    sink = undefined;
    deployment = undefined;
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  });

  /** One deployment per test: a second would leave the first one's redis-server running. */
  const once = () => {
    if (redis) throw new Error('the harness deploys once per test');
  };

  return {
    async deploy({ chain, sinkBehaviour, database }) {
      once();
      const startedRedis = await startRedisServer();
      redis = startedRedis;
      const startedSink = await startWebhookSink(sinkBehaviour);
      sink = startedSink;
      const created = await createDeployment({
        chain,
        redisUrl: startedRedis.url,
        webhookUrl: startedSink.url(),
        ...(database ? { database } : {}),
      });
      deployment = created;
      startedSink.setSecret(created.secret as string);
      return { redis: startedRedis, sink: startedSink, deployment: created };
    },
    async deployWithoutWebhooks({ chain }) {
      once();
      const startedRedis = await startRedisServer();
      redis = startedRedis;
      const created = await createDeployment({ chain, redisUrl: startedRedis.url });
      deployment = created;
      return { redis: startedRedis, deployment: created };
    },
    startCli(name, args, env, cliOptions = {}) {
      const process = spawnCli(args, isolatedEnv(env), { name, ...cliOptions });
      processes.push(process);
      return process;
    },
    async restartRedisEmpty() {
      if (!redis) throw new Error('restartRedisEmpty before deploy');
      await redis.stop();
      redis = await startRedisServer({ port: redis.port });
      return redis;
    },
  };
}
