import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { createPublicClient, erc20Abi, type Hex, http, parseUnits } from 'viem';
import { afterEach, describe, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.ts';
import { readChainsFile } from '../../src/config/chains.ts';
import { type DevnetFile, devnetChainsFilePath, readDevnetFile } from '../../src/devnet/devnet-file.ts';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import {
  type CliProcess,
  childEnv,
  runCliResult,
  spawnCli,
  waitForProcess,
} from '../fixtures/cli-process.ts';

/** Two anvils, redis-server and two deployments, or loading them again, on a loaded machine. */
const START_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 25_000;
const PAID_TIMEOUT_MS = 60_000;
/** `dev` as a newcomer runs it: its own anvils and redis-server, none of the test run's settings. */
const DEV_ENV = childEnv({}, ['REDIS_URL', 'DATABASE_PATH', 'STABLEGATE_CONFIG', 'PORT', 'HOST']);

type Invoice = {
  id: string;
  status: string;
  amount: string;
  chainId: number;
  depositAddress: Hex;
  token: { symbol: string; address: Hex; decimals: number };
};
type Event = { id: string; type: string; data: { invoice: Invoice } };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-e2e-chains-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startDev(
  dataDir: string,
  extra: string[] = [],
): Promise<{ cli: CliProcess; devnet: DevnetFile }> {
  const port = await getFreePort();
  const cli = spawnCli(['dev', '--port', String(port), '--data-dir', dataDir, ...extra], DEV_ENV);
  cleanups.push(() => cli.stop());
  await waitForProcess(cli, () => cli.output().includes('stablegate dev is ready'), {
    timeoutMs: START_TIMEOUT_MS,
    what: 'dev did not print its ready line',
  });
  const devnet = readDevnetFile(dataDir);
  if (!devnet || new URL(devnet.apiUrl).port !== String(port))
    throw new Error('dev is ready but devnet.json is not this run’s');
  return { cli, devnet };
}

async function api<T>(devnet: DevnetFile, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${devnet.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${devnet.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const createInvoice = (devnet: DevnetFile, amount: string, currency: string, chainId: number) =>
  api<Invoice>(devnet, 'POST', '/v1/invoices', { amount, currency, chainId });

/** `stablegate pay` as a developer types it: it finds the invoice's chain in devnet.json. */
async function pay(dataDir: string, invoice: Invoice, payer: number): Promise<void> {
  const result = await runCliResult(
    ['pay', invoice.id, '--payer', String(payer), '--data-dir', dataDir],
    DEV_ENV,
  );
  expect(result, invoice.id).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toContain(`to ${invoice.depositAddress}`);
}

/** invoice id → the webhook ids of its verified invoice.paid deliveries. */
function paidWebhookIds(receiver: WebhookReceiver, secret: string): Map<string, Set<string>> {
  const webhook = new Webhook(secret);
  const ids = new Map<string, Set<string>>();
  for (const request of receiver.received('/hook')) {
    const event = webhook.verify(request.body, request.headers) as Event;
    if (event.type !== 'invoice.paid') continue;
    // Standard Webhooks: the webhook-id header is the event id, stable across retries.
    expect(request.headers['webhook-id']).toBe(event.id);
    const id = event.data.invoice.id;
    ids.set(id, (ids.get(id) ?? new Set()).add(event.id));
  }
  return ids;
}

describe('stablegate dev --chains', () => {
  test('refuses a count out of range, or several chains on one --rpc-url, in one line before starting anything', async () => {
    const dataDir = join(tempDir(), 'never-created');
    const [tooMany, none, withRpc] = await Promise.all([
      runCliResult(['dev', '--chains', '5', '--data-dir', dataDir], DEV_ENV),
      runCliResult(['dev', '--chains', '0', '--data-dir', dataDir], DEV_ENV),
      runCliResult(
        ['dev', '--chains', '2', '--rpc-url', 'http://127.0.0.1:1', '--data-dir', dataDir],
        DEV_ENV,
      ),
    ]);
    for (const [result, problem] of [
      [tooMany, '--chains: expected a whole number from 1 to 4, got "5"'],
      [none, '--chains: expected a whole number from 1 to 4, got "0"'],
      [withRpc, "--chains: more than one chain needs dev's own anvils, not --rpc-url"],
    ] as const) {
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(`stablegate: ${problem}`);
      expect(result.stderr).toContain('Usage: stablegate dev');
    }
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  test('runs two anvils in one process, pays invoices on both at once, one invoice.paid each, and resumes both after a restart', async () => {
    const dataDir = tempDir();
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const first = await startDev(dataDir, ['--chains', '2']);

    // devnet.json keeps the single-chain fields (the first chain) and lists both chains.
    const chains = first.devnet.chains ?? [];
    expect(chains.map((chain) => chain.chainId)).toEqual([31337, 31338]);
    expect(first.devnet).toMatchObject({
      chainId: 31337,
      rpcUrl: chains[0]?.rpcUrl,
      tokens: chains[0]?.tokens,
    });
    expect(new Set(chains.map((chain) => chain.rpcUrl)).size).toBe(2);
    const chainsFile = readChainsFile(devnetChainsFilePath(dataDir));
    if (!chainsFile.ok) throw new Error(chainsFile.errors.join('\n'));
    expect(chainsFile.chains.map((chain) => chain.chainId)).toEqual([31337, 31338]);
    for (const chain of chains)
      expect(first.cli.output()).toContain(`(chain ${chain.chainId}, 1 confirmation(s))`);

    const { secret } = await api<{ secret: string }>(first.devnet, 'POST', '/v1/webhook-endpoints', {
      url: receiver.url('/hook'),
    });
    // Three invoices on each chain, each paid by another payer so no two transfers share a nonce.
    const orders = [
      ['25.5', 'USDC'],
      ['7.25', 'USDT'],
      ['10.000000000000000001', 'DAI'],
    ] as const;
    const invoices = await Promise.all(
      [31337, 31338].flatMap((chainId) =>
        orders.map(([amount, currency]) => createInvoice(first.devnet, amount, currency, chainId)),
      ),
    );
    await Promise.all(invoices.map((invoice, index) => pay(dataDir, invoice, index % orders.length)));

    await waitUntil(
      () => {
        const paid = paidWebhookIds(receiver, secret);
        return invoices.every((invoice) => paid.has(invoice.id));
      },
      { timeoutMs: PAID_TIMEOUT_MS },
    );
    const paid = paidWebhookIds(receiver, secret);
    for (const invoice of invoices) {
      expect(paid.get(invoice.id)?.size, invoice.id).toBe(1);
      const events = await api<{ data: { id: string }[] }>(
        first.devnet,
        'GET',
        `/v1/events?invoiceId=${invoice.id}&type=invoice.paid`,
      );
      expect(events.data, invoice.id).toHaveLength(1);
      expect(await api<Invoice>(first.devnet, 'GET', `/v1/invoices/${invoice.id}`)).toMatchObject({
        status: 'paid',
        chainId: invoice.chainId,
      });
    }

    first.cli.kill('SIGTERM');
    expect(await first.cli.waitForExit(EXIT_TIMEOUT_MS)).toEqual({ code: 0, signal: null });

    // No --chains: the data dir's last run had two, so both come back with their state.
    const second = await startDev(dataDir);
    const resumed = second.devnet.chains ?? [];
    expect(resumed.map((chain) => chain.chainId)).toEqual([31337, 31338]);
    expect(resumed.map((chain) => chain.tokens)).toEqual(chains.map((chain) => chain.tokens));
    const onSecondChain = invoices.find((invoice) => invoice.chainId === 31338);
    const secondRpc = resumed[1]?.rpcUrl;
    if (!onSecondChain || !secondRpc) throw new Error('no invoice or node on chain 31338');
    const balance = await createPublicClient({ transport: http(secondRpc) }).readContract({
      address: onSecondChain.token.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [onSecondChain.depositAddress],
    });
    expect(balance).toBe(parseUnits(onSecondChain.amount, onSecondChain.token.decimals));

    // The second chain's watcher follows its reloaded anvil.
    const later = await createInvoice(second.devnet, '3', 'USDC', 31338);
    await pay(dataDir, later, 3);
    await waitUntil(() => paidWebhookIds(receiver, secret).has(later.id), { timeoutMs: PAID_TIMEOUT_MS });
    second.cli.kill('SIGTERM');
    expect(await second.cli.waitForExit(EXIT_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
  }, 300_000);
});
