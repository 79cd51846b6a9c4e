import { createPublicClient, erc20Abi, getAddress, parseEventLogs, webSocket } from 'viem';
import { describe, expect, inject, test } from 'vitest';
import { pingRedis } from '../src/devnet/start-redis-server.ts';
import {
  createTestClients,
  mine,
  reorg,
  revertSnapshot,
  sendToken,
  takeSnapshot,
  withSnapshot,
} from './fixtures/chain.ts';

const payers = inject('payers');
const tokens = inject('tokens');

function payer(index: number) {
  const account = payers[index];
  if (!account) throw new Error(`no payer ${index}`);
  return account;
}

function token(symbol: string) {
  const found = tokens.find((t) => t.symbol === symbol);
  if (!found) throw new Error(`no token ${symbol}`);
  return found;
}

describe('global setup', () => {
  withSnapshot();

  test('anvil answers on HTTP and WebSocket with chain id 31337', async () => {
    const { publicClient } = createTestClients();
    expect(await publicClient.getChainId()).toBe(31337);
    const wsClient = createPublicClient({ transport: webSocket(inject('wsUrl')) });
    try {
      expect(await wsClient.getBlockNumber()).toBe(await publicClient.getBlockNumber());
    } finally {
      await wsClient.transport.getRpcClient().then((rpc) => rpc.close());
    }
  });

  test('a private redis-server answers PING', async () => {
    const url = new URL(inject('redisUrl'));
    expect(url.hostname).toBe('127.0.0.1');
    expect(await pingRedis(Number(url.port))).toBe(true);
  });

  test('deploys USDC and USDT with 6 decimals and DAI with 18, at EIP-55 addresses', async () => {
    const { publicClient } = createTestClients();
    expect(tokens.map(({ symbol, decimals }) => ({ symbol, decimals }))).toEqual([
      { symbol: 'USDC', decimals: 6 },
      { symbol: 'USDT', decimals: 6 },
      { symbol: 'DAI', decimals: 18 },
    ]);
    for (const { address, symbol, decimals } of tokens) {
      expect(address).toBe(getAddress(address));
      const read = { address, abi: erc20Abi } as const;
      expect(await publicClient.readContract({ ...read, functionName: 'symbol' })).toBe(symbol);
      expect(await publicClient.readContract({ ...read, functionName: 'decimals' })).toBe(decimals);
    }
  });

  test('gives every payer 1,000,000 of each stablecoin and none to the deployer', async () => {
    const { publicClient } = createTestClients();
    expect(payers).toHaveLength(4);
    expect(payers[0]).toEqual({
      address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      privateKey: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
    });
    for (const { address, decimals } of tokens) {
      for (const { address: owner } of payers) {
        const balance = await publicClient.readContract({
          address,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [owner],
        });
        expect(balance).toBe(1_000_000n * 10n ** BigInt(decimals));
      }
    }
  });
});

describe('chain fixtures', () => {
  withSnapshot();

  test('sendToken mines a transfer that emits one Transfer log from the token', async () => {
    const usdc = token('USDC');
    const receipt = await sendToken({
      token: usdc.address,
      from: payer(0).address,
      to: payer(1).address,
      amount: 12_340_000n,
    });
    const logs = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs });
    expect(logs).toHaveLength(1);
    expect(logs[0]?.address).toBe(usdc.address.toLowerCase());
    expect(logs[0]?.args).toEqual({ from: payer(0).address, to: payer(1).address, value: 12_340_000n });
  });

  test('revertSnapshot undoes blocks and balances made after takeSnapshot', async () => {
    const { publicClient } = createTestClients();
    const dai = token('DAI');
    const balanceOf = () =>
      publicClient.readContract({
        address: dai.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [payer(2).address],
      });
    const before = { block: await publicClient.getBlockNumber(), balance: await balanceOf() };

    const id = await takeSnapshot();
    await sendToken({ token: dai.address, from: payer(2).address, to: payer(3).address, amount: 10n ** 18n });
    await mine(5);
    expect(await publicClient.getBlockNumber()).toBe(before.block + 6n);
    expect(await balanceOf()).toBe(before.balance - 10n ** 18n);

    await revertSnapshot(id);
    expect(await publicClient.getBlockNumber()).toBe(before.block);
    expect(await balanceOf()).toBe(before.balance);
  });

  test('a snapshot cannot be reverted to twice', async () => {
    const id = await takeSnapshot();
    await mine(1);
    await revertSnapshot(id);
    await expect(revertSnapshot(id)).rejects.toThrow(/failed/);
  });

  test('reorg replaces blocks at the given depth and drops their transfers', async () => {
    const { publicClient } = createTestClients();
    const usdt = token('USDT');
    const receipt = await sendToken({
      token: usdt.address,
      from: payer(0).address,
      to: payer(3).address,
      amount: 5_000_000n,
    });
    await mine(2);
    const head = await publicClient.getBlockNumber();
    expect(head).toBe(receipt.blockNumber + 2n);
    const outside = await publicClient.getBlock({ blockNumber: receipt.blockNumber - 1n });

    await reorg(3);

    expect(await publicClient.getBlockNumber()).toBe(head);
    const replaced = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(replaced.hash).not.toBe(receipt.blockHash);
    expect(replaced.transactions).toHaveLength(0);
    expect((await publicClient.getBlock({ blockNumber: outside.number })).hash).toBe(outside.hash);
    const logs = await publicClient.getContractEvents({
      address: usdt.address,
      abi: erc20Abi,
      eventName: 'Transfer',
      fromBlock: receipt.blockNumber,
      toBlock: head,
    });
    expect(logs).toHaveLength(0);
  });
});
