import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { type Address, createPublicClient, createWalletClient, erc20Abi, http, parseUnits } from 'viem';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { startWebhookReceiver } from '../../harness/webhook-receiver.ts';
import type { DeployedToken } from '../../src/devnet/deploy-stablecoins.ts';
import { deployStablecoins } from '../../src/devnet/deploy-stablecoins.ts';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { startAnvil } from '../../src/devnet/start-anvil.ts';
import { startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { withSnapshot } from '../fixtures/chain.ts';
import {
  type CliProcess,
  childEnv,
  runCli,
  spawnCli,
  tail,
  waitForProcess,
} from '../fixtures/cli-process.ts';
import { testXpub } from '../fixtures/context.ts';

const payers = inject('payers');
const SECOND_CHAIN_ID = 31338;
const START_TIMEOUT_MS = 45_000;
const PAID_TIMEOUT_MS = 60_000;

type Invoice = { id: string; amount: string; chainId: number; depositAddress: Address; token: DeployedToken };
type Event = { id: string; type: string; data: { invoice: { id: string } } };

const cleanups: (() => Promise<void> | void)[] = [];
withSnapshot();
// Registered after withSnapshot's hooks, so (hooks unwind as a stack) it runs before the revert.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function chainEntry(chainId: number, rpcUrl: string, tokens: DeployedToken[]) {
  return {
    chainId,
    name: `Anvil ${chainId}`,
    rpcUrl,
    confirmations: 1,
    pollIntervalMs: 100,
    tokens: tokens.map(({ symbol, address, decimals }) => ({ symbol, address, decimals })),
  };
}

/** An ERC-20 transfer signed by the node for an unlocked account, on whichever chain `rpcUrl` is. */
async function transfer(rpcUrl: string, invoice: Invoice, from: Address): Promise<void> {
  const transport = http(rpcUrl);
  const hash = await createWalletClient({ transport }).writeContract({
    account: from,
    chain: null,
    address: invoice.token.address,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [invoice.depositAddress, parseUnits(invoice.amount, invoice.token.decimals)],
  });
  const receipt = await createPublicClient({ transport, pollingInterval: 50 }).waitForTransactionReceipt({
    hash,
  });
  expect(receipt.status).toBe('success');
}

describe('one `stablegate watch` process per chain, with serve and work', () => {
  test('invoices on two chains paid at once are each paid once, with one invoice.paid each', async () => {
    const second = await startAnvil({ chainId: SECOND_CHAIN_ID });
    cleanups.push(() => second.stop());
    const secondTokens = await deployStablecoins({
      rpcUrl: second.rpcUrl,
      payers: payers.map((payer) => payer.address),
    });
    // A private redis-server: BullMQ's default prefix and the watcher locks stay this test's own.
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-e2e-chains-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

    const chains = [
      chainEntry(inject('chainId'), inject('rpcUrl'), inject('tokens')),
      chainEntry(SECOND_CHAIN_ID, second.rpcUrl, secondTokens),
    ];
    const rpcUrlOf = new Map(chains.map((chain) => [chain.chainId, chain.rpcUrl]));
    writeFileSync(join(dir, 'chains.json'), JSON.stringify({ chains }, null, 2));
    const port = await getFreePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    const env = childEnv({
      DATABASE_PATH: join(dir, 'stablegate.db'),
      STABLEGATE_CONFIG: join(dir, 'chains.json'),
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: apiUrl,
      ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
    });
    await runCli(['migrate'], env);
    const { apiKey } = JSON.parse(
      await runCli(['merchant', 'create', '--name', 'Two chains', '--xpub', testXpub(5), '--json'], env),
    ) as { apiKey: string };

    const processes = new Map<string, CliProcess>();
    for (const [name, args] of [
      ['serve', ['serve']],
      ['work', ['work']],
      ...chains.map(
        (chain) => [`watch ${chain.chainId}`, ['watch', '--chain', String(chain.chainId)]] as const,
      ),
    ] as const) {
      const cli = spawnCli(args, env, { name: `stablegate ${name}` });
      cleanups.push(() => cli.stop());
      processes.set(name, cli);
    }
    const serve = processes.get('serve') as CliProcess;
    // Ready once the API answers and both chains' watchers have followed their heads.
    await waitForProcess(
      serve,
      async () => {
        const response = await fetch(`${apiUrl}/readyz`).catch(() => null);
        await response?.body?.cancel();
        return response?.status === 200;
      },
      { timeoutMs: START_TIMEOUT_MS, what: 'serve did not become ready' },
    );

    const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
      return JSON.parse(text) as T;
    };
    const { secret } = await api<{ secret: string }>('POST', '/v1/webhook-endpoints', {
      url: receiver.url('/hook'),
    });
    const orders = [
      ['12.5', 'USDC'],
      ['99.99', 'USDT'],
      ['1.000000000000000001', 'DAI'],
    ] as const;
    const invoices = await Promise.all(
      chains.flatMap((chain) =>
        orders.map(([amount, currency]) =>
          api<Invoice>('POST', '/v1/invoices', { amount, currency, chainId: chain.chainId }),
        ),
      ),
    );
    // All at once, on both chains; on one chain each transfer from another payer (its own nonce).
    await Promise.all(
      invoices.map((invoice, index) =>
        transfer(
          rpcUrlOf.get(invoice.chainId) as string,
          invoice,
          payers[index % orders.length]?.address as Address,
        ),
      ),
    );

    const paidEvents = () => {
      const webhook = new Webhook(secret);
      return receiver
        .received('/hook')
        .map((request) => webhook.verify(request.body, request.headers) as Event)
        .filter((event) => event.type === 'invoice.paid');
    };
    await waitUntil(
      () => invoices.every((invoice) => paidEvents().some((event) => event.data.invoice.id === invoice.id)),
      { timeoutMs: PAID_TIMEOUT_MS },
    ).catch((error: Error) => {
      const outputs = [...processes].map(([name, cli]) => `--- ${name}\n${tail(cli.output(), 15)}`);
      throw new Error(`${error.message}\n${outputs.join('\n')}`);
    });
    for (const invoice of invoices) {
      const ids = new Set(
        paidEvents()
          .filter((event) => event.data.invoice.id === invoice.id)
          .map((event) => event.id),
      );
      expect(ids.size, invoice.id).toBe(1);
      const events = await api<{ data: unknown[] }>(
        'GET',
        `/v1/events?invoiceId=${invoice.id}&type=invoice.paid`,
      );
      expect(events.data, invoice.id).toHaveLength(1);
      expect(
        await api<{ status: string; amountPaid: string }>('GET', `/v1/invoices/${invoice.id}`),
      ).toMatchObject({ status: 'paid', amountPaid: invoice.amount });
    }
    // Each watcher took its own chain's lock; neither waits behind the other.
    for (const chain of chains) {
      const logs = processes.get(`watch ${chain.chainId}`)?.logs() ?? [];
      expect(logs.filter((line) => line.msg === 'watcher lock acquired: scanning')).toEqual([
        expect.objectContaining({ chainId: chain.chainId }),
      ]);
    }
  }, 180_000);
});
