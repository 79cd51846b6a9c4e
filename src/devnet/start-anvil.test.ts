import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, erc20Abi, http } from 'viem';
import { afterEach, describe, expect, test } from 'vitest';
import { getAnvilAccounts } from './anvil-accounts.ts';
import { deployStablecoins, findDeployedStablecoins } from './deploy-stablecoins.ts';
import { getFreePort } from './free-port.ts';
import { ANVIL_STATE_FILE, type Anvil, AnvilStartError, startAnvil } from './start-anvil.ts';
import { waitUntil } from './wait-until.ts';

const started: Anvil[] = [];
const dirs: string[] = [];

async function start(options: Parameters<typeof startAnvil>[0] = {}) {
  const anvil = await startAnvil(options);
  started.push(anvil);
  return anvil;
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-anvil-'));
  dirs.push(dir);
  return dir;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((anvil) => anvil.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('startAnvil', () => {
  test('answers eth_chainId with the requested chain id on a free port', async () => {
    const anvil = await start({ chainId: 1337 });
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`);
    expect(anvil.wsUrl).toBe(`ws://127.0.0.1:${anvil.port}`);
    expect(await client.getChainId()).toBe(1337);
  });

  test('mines on an interval when given a block time', async () => {
    const anvil = await start({ blockTime: 1 });
    const client = createPublicClient({ transport: http(anvil.rpcUrl), cacheTime: 0 });
    await waitUntil(async () => (await client.getBlockNumber()) >= 2n, { timeoutMs: 10_000 });
  });

  test('stop ends the process, and a second stop is harmless', async () => {
    const anvil = await start();
    expect(isAlive(anvil.pid)).toBe(true);
    await anvil.stop();
    expect(isAlive(anvil.pid)).toBe(false);
    await anvil.stop();
  });

  test('rejects with anvil’s own error when the port is taken', async () => {
    const port = await getFreePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const error = await startAnvil({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnvilStartError);
      expect((error as AnvilStartError).output).toMatch(/address already in use/i);
    } finally {
      blocker.close();
    }
  });

  test('rejects with anvil’s own error when the state file is corrupt', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ANVIL_STATE_FILE), '{not json');
    await expect(startAnvil({ stateDir: dir })).rejects.toThrow(/failed to parse json/);
  });

  test('with a stateDir, a restart keeps contracts, balances, blocks and logs', async () => {
    const dir = tempDir();
    const [payer] = getAnvilAccounts({ count: 1, from: 1 });
    if (!payer) throw new Error('no payer');
    const first = await start({ stateDir: dir });
    const tokens = await deployStablecoins({ rpcUrl: first.rpcUrl, payers: [payer.address], mintAmount: 7n });
    const before = createPublicClient({ transport: http(first.rpcUrl), cacheTime: 0 });
    const head = await before.getBlock();
    await first.stop();

    const second = await start({ stateDir: dir });
    const after = createPublicClient({ transport: http(second.rpcUrl), cacheTime: 0 });
    expect(await findDeployedStablecoins(second.rpcUrl, tokens)).toBe(true);
    expect((await after.getBlock()).hash).toBe(head.hash);
    for (const token of tokens) {
      const balance = await after.readContract({
        address: token.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [payer.address],
      });
      expect(balance).toBe(7n * 10n ** BigInt(token.decimals));
      const mints = await after.getContractEvents({
        address: token.address,
        abi: erc20Abi,
        eventName: 'Transfer',
        fromBlock: 0n,
      });
      expect(mints.map((log) => log.args.to)).toEqual([payer.address]);
    }
  });
});
