import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  type Hex,
  http,
  parseUnits,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { anvil as anvilChain } from 'viem/chains';
import { afterEach, describe, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.ts';
import { type DevnetFile, readDevnetFile } from '../../src/devnet/devnet-file.ts';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { type Anvil, startAnvil } from '../../src/devnet/start-anvil.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { type CliProcess, childEnv, spawnCli, waitForProcess } from '../fixtures/cli-process.ts';

/** Starting anvil, redis-server and a deployment, or loading them again, takes a few seconds. */
const START_TIMEOUT_MS = 45_000;
/** SPEC: SIGTERM stops the process gracefully; dev.ts gives itself 25 s before it forces an exit. */
const EXIT_TIMEOUT_MS = 25_000;
const PAID_TIMEOUT_MS = 45_000;

type Invoice = {
  id: string;
  status: string;
  amount: string;
  amountPaid: string;
  depositAddress: Hex;
  token: { symbol: string; address: Hex; decimals: number };
  payments: unknown[];
};
type Event = { id: string; type: string; data: { invoice: Invoice } };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  // Children first (they may hold the data dir), then the rest, newest first.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-e2e-dev-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type RunningDev = { cli: CliProcess; devnet: DevnetFile; port: number };

/**
 * `stablegate dev` as a newcomer runs it, with its own anvil (unless `rpcUrl`) and its own
 * redis-server: REDIS_URL, which the global setup sets for in-process tests, is removed.
 * Ready once devnet.json names this run's port and /readyz answers 200.
 */
function spawnDev(port: number, dataDir: string, options: { rpcUrl?: string } = {}): CliProcess {
  const args = ['dev', '--port', String(port), '--data-dir', dataDir];
  if (options.rpcUrl) args.push('--rpc-url', options.rpcUrl);
  const cli = spawnCli(args, childEnv({}, ['REDIS_URL', 'DATABASE_PATH', 'STABLEGATE_CONFIG', 'PORT']));
  cleanups.push(() => cli.stop());
  return cli;
}

async function startDev(dataDir: string, options: { rpcUrl?: string } = {}): Promise<RunningDev> {
  const port = await getFreePort();
  const cli = spawnDev(port, dataDir, options);
  let devnet: DevnetFile | null = null;
  await waitForProcess(
    cli,
    async () => {
      devnet = readDevnetFile(dataDir);
      if (!devnet || new URL(devnet.apiUrl).port !== String(port)) return false;
      const response = await fetch(`${devnet.apiUrl}/readyz`).catch(() => null);
      await response?.body?.cancel();
      return response?.status === 200;
    },
    { timeoutMs: START_TIMEOUT_MS, what: 'dev did not become ready' },
  );
  if (!devnet) throw new Error('unreachable: devnet.json was read');
  return { cli, devnet, port };
}

async function stopWithSigterm(cli: CliProcess): Promise<void> {
  cli.kill('SIGTERM');
  expect(await cli.waitForExit(EXIT_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
}

/** A merchant's HTTP call with the devnet API key; non-2xx answers fail the test with the body. */
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

const createInvoice = (devnet: DevnetFile, amount: string, currency: string) =>
  api<Invoice>(devnet, 'POST', '/v1/invoices', { amount, currency, chainId: devnet.chainId });

/** Pays as a wallet does: a locally signed ERC-20 transfer from a devnet payer's private key. */
async function pay(devnet: DevnetFile, payerIndex: number, invoice: Invoice): Promise<void> {
  const payer = devnet.payers[payerIndex];
  if (!payer) throw new Error(`devnet.json lists no payer ${payerIndex}`);
  const chain = defineChain({
    ...anvilChain,
    id: devnet.chainId,
    rpcUrls: { default: { http: [devnet.rpcUrl] } },
  });
  const transport = http(devnet.rpcUrl);
  const wallet = createWalletClient({
    account: privateKeyToAccount(payer.privateKey as Hex),
    chain,
    transport,
  });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
  const hash = await wallet.writeContract({
    address: invoice.token.address,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [invoice.depositAddress, parseUnits(invoice.amount, invoice.token.decimals)],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe('success');
}

/** Every webhook received so far, verified as a merchant would; a forged or stale one throws. */
function verifiedWebhooks(receiver: WebhookReceiver, secret: string): { webhookId: string; event: Event }[] {
  const webhook = new Webhook(secret);
  return receiver.received('/hook').map((request) => ({
    webhookId: request.headers['webhook-id'] ?? '',
    event: webhook.verify(request.body, request.headers) as Event,
  }));
}

function paidWebhookIds(receiver: WebhookReceiver, secret: string, invoiceId: string): Set<string> {
  return new Set(
    verifiedWebhooks(receiver, secret)
      .filter(({ event }) => event.type === 'invoice.paid' && event.data.invoice.id === invoiceId)
      .map(({ webhookId, event }) => {
        // Standard Webhooks: the webhook-id header is the event id, stable across retries.
        expect(webhookId).toBe(event.id);
        return webhookId;
      }),
  );
}

async function waitForPaidWebhook(receiver: WebhookReceiver, secret: string, invoiceId: string) {
  await waitUntil(() => paidWebhookIds(receiver, secret, invoiceId).size > 0, { timeoutMs: PAID_TIMEOUT_MS });
}

describe('stablegate dev', () => {
  test('pays invoices with signed webhooks, and after a SIGTERM and restart settles a payment made while it was down, exactly once', async () => {
    // The chain outlives the gateway here, so a payment can land while the gateway is down.
    const chain: Anvil = await startAnvil();
    cleanups.push(() => chain.stop());
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const dataDir = tempDir();

    const first = await startDev(dataDir, { rpcUrl: chain.rpcUrl });
    expect(first.devnet).toMatchObject({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
    expect(first.devnet.apiKey).toMatch(/^sk_/);
    const endpoint = await api<{ secret: string }>(first.devnet, 'POST', '/v1/webhook-endpoints', {
      url: receiver.url('/hook'),
    });
    expect(endpoint.secret).toMatch(/^whsec_/);

    const paidWhileUp = await createInvoice(first.devnet, '25.5', 'USDC');
    await pay(first.devnet, 0, paidWhileUp);
    await waitForPaidWebhook(receiver, endpoint.secret, paidWhileUp.id);
    expect(await api<Invoice>(first.devnet, 'GET', `/v1/invoices/${paidWhileUp.id}`)).toMatchObject({
      status: 'paid',
      amountPaid: '25.5',
    });

    const paidWhileDown = await createInvoice(first.devnet, '10.000000000000000001', 'DAI');
    await stopWithSigterm(first.cli);
    await pay(first.devnet, 1, paidWhileDown);

    const second = await startDev(dataDir, { rpcUrl: chain.rpcUrl });
    expect(second.devnet.apiKey).toBe(first.devnet.apiKey);
    expect(second.devnet.merchantId).toBe(first.devnet.merchantId);
    expect(second.devnet.tokens).toEqual(first.devnet.tokens);
    await waitForPaidWebhook(receiver, endpoint.secret, paidWhileDown.id);
    const settled = await api<Invoice>(second.devnet, 'GET', `/v1/invoices/${paidWhileDown.id}`);
    expect(settled).toMatchObject({ status: 'paid', amountPaid: '10.000000000000000001' });
    expect(settled.payments).toHaveLength(1);

    // One invoice.paid event per invoice, ever; deliveries may repeat, but only with its webhook-id.
    const firstIds = paidWebhookIds(receiver, endpoint.secret, paidWhileUp.id);
    const secondIds = paidWebhookIds(receiver, endpoint.secret, paidWhileDown.id);
    expect(firstIds.size).toBe(1);
    expect(secondIds.size).toBe(1);
    expect([...firstIds][0]).not.toBe([...secondIds][0]);
    for (const invoice of [paidWhileUp, paidWhileDown]) {
      const events = await api<{ data: { id: string }[] }>(
        second.devnet,
        'GET',
        `/v1/events?invoiceId=${invoice.id}&type=invoice.paid`,
      );
      expect(events.data).toHaveLength(1);
    }

    await stopWithSigterm(second.cli);
  }, 120_000);

  test('restarted on the same data dir, it keeps its own chain, deployment, key and invoices', async () => {
    const dataDir = tempDir();
    const first = await startDev(dataDir);
    const invoice = await createInvoice(first.devnet, '7.25', 'USDT');
    await stopWithSigterm(first.cli);
    // Its anvil and redis-server went down with it.
    const rpcAnswers = await fetch(first.devnet.rpcUrl, { method: 'POST' }).then(
      () => true,
      () => false,
    );
    expect(rpcAnswers).toBe(false);

    const second = await startDev(dataDir);
    expect(second.devnet.apiKey).toBe(first.devnet.apiKey);
    expect(second.devnet.merchantId).toBe(first.devnet.merchantId);
    expect(second.devnet.tokens).toEqual(first.devnet.tokens);
    expect(await api<Invoice>(second.devnet, 'GET', `/v1/invoices/${invoice.id}`)).toMatchObject({
      id: invoice.id,
      status: 'pending',
      depositAddress: invoice.depositAddress,
    });

    // The reloaded chain still works end to end: the token balances survived and the watcher follows.
    await pay(second.devnet, 2, invoice);
    await waitUntil(
      async () => (await api<Invoice>(second.devnet, 'GET', `/v1/invoices/${invoice.id}`)).status === 'paid',
      { timeoutMs: PAID_TIMEOUT_MS },
    );
    await stopWithSigterm(second.cli);
  }, 120_000);

  test('exits 1 naming the port when it is taken, leaving no anvil or redis-server behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const { port } = blocker.address() as AddressInfo;

    const cli = spawnDev(port, tempDir());
    expect(await cli.waitForExit(START_TIMEOUT_MS)).toEqual({ code: 1, signal: null });
    expect(cli.output()).toContain(`stablegate: --port: ${port} is already in use`);
    expect(cli.groupAlive()).toBe(false);
  }, 60_000);
});
