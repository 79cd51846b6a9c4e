import { erc20Abi, type Hash, maxUint256, parseEventLogs } from 'viem';
import { describe, expect, inject, test } from 'vitest';
import {
  testStablecoinAbi,
  transferEmitterAbi,
  transferEmitterDeployedBytecode,
} from '../contracts-abi/index.ts';
import { createTestClients, withSnapshot } from './fixtures/chain.ts';

const [alice, bob, carol] = inject('payers').map((p) => p.address);
const [usdc] = inject('tokens');

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

describe('TestStablecoin', () => {
  withSnapshot();
  const token = required(usdc, 'USDC').address;
  const [owner, spender, receiver] = [
    required(alice, 'alice'),
    required(bob, 'bob'),
    required(carol, 'carol'),
  ];

  async function balanceOf(account: typeof owner) {
    const { publicClient } = createTestClients();
    return publicClient.readContract({
      address: token,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [account],
    });
  }

  /** Waits for a write to be mined: with automine that is the next poll. */
  async function mined(sent: Promise<Hash>) {
    const { publicClient } = createTestClients();
    return publicClient.waitForTransactionReceipt({ hash: await sent });
  }

  const tokenContract = { address: token, abi: testStablecoinAbi } as const;

  test('transferFrom spends the allowance, and an unlimited allowance is never spent', async () => {
    const { publicClient, walletClient } = createTestClients();
    const allowance = () =>
      publicClient.readContract({
        address: token,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [owner, spender],
      });
    const approval = await mined(
      walletClient.writeContract({
        ...tokenContract,
        account: owner,
        functionName: 'approve',
        args: [spender, 300n],
      }),
    );
    expect(parseEventLogs({ abi: erc20Abi, eventName: 'Approval', logs: approval.logs })[0]?.args).toEqual({
      owner,
      spender,
      value: 300n,
    });
    const before = await balanceOf(receiver);
    await mined(
      walletClient.writeContract({
        ...tokenContract,
        account: spender,
        functionName: 'transferFrom',
        args: [owner, receiver, 200n],
      }),
    );
    expect(await allowance()).toBe(100n);
    expect(await balanceOf(receiver)).toBe(before + 200n);

    await mined(
      walletClient.writeContract({
        ...tokenContract,
        account: owner,
        functionName: 'approve',
        args: [spender, maxUint256],
      }),
    );
    await mined(
      walletClient.writeContract({
        ...tokenContract,
        account: spender,
        functionName: 'transferFrom',
        args: [owner, receiver, 1n],
      }),
    );
    expect(await allowance()).toBe(maxUint256);
  });

  test('rejects a transfer above the balance and a transferFrom above the allowance', async () => {
    const { publicClient } = createTestClients();
    const balance = await balanceOf(owner);
    await expect(
      publicClient.simulateContract({
        account: owner,
        address: token,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [receiver, balance + 1n],
      }),
    ).rejects.toThrow(/exceeds balance/);
    await expect(
      publicClient.simulateContract({
        account: spender,
        address: token,
        abi: erc20Abi,
        functionName: 'transferFrom',
        args: [owner, receiver, 1n],
      }),
    ).rejects.toThrow(/insufficient allowance/);
  });

  test('anyone can mint, which raises the total supply and logs a Transfer from zero', async () => {
    const { publicClient, walletClient } = createTestClients();
    const supply = await publicClient.readContract({
      address: token,
      abi: erc20Abi,
      functionName: 'totalSupply',
    });
    const receipt = await mined(
      walletClient.writeContract({
        ...tokenContract,
        account: receiver,
        functionName: 'mint',
        args: [receiver, 5n],
      }),
    );
    expect(
      await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'totalSupply' }),
    ).toBe(supply + 5n);
    expect(parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs })[0]?.args).toEqual({
      from: '0x0000000000000000000000000000000000000000',
      to: receiver,
      value: 5n,
    });
  });
});

describe('TransferEmitter', () => {
  withSnapshot();

  test('installed at a token address, emits count Transfer logs from that address in one transaction', async () => {
    const { publicClient, testClient, walletClient } = createTestClients();
    const token = required(usdc, 'USDC').address;
    await testClient.setCode({ address: token, bytecode: transferEmitterDeployedBytecode });
    const hash = await walletClient.writeContract({
      account: required(alice, 'alice'),
      address: token,
      abi: transferEmitterAbi,
      functionName: 'emitTransfers',
      args: [required(bob, 'bob'), 500n, 1_000_000n],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const logs = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs });
    expect(logs).toHaveLength(500);
    expect(new Set(logs.map((log) => log.address))).toEqual(new Set([token.toLowerCase()]));
    expect(logs[499]?.args).toEqual({ from: alice, to: bob, value: 1_000_000n });
  });
});
