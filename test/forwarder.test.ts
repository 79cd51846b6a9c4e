import fc from 'fast-check';
import {
  type Address,
  concat,
  erc20Abi,
  getAddress,
  getContractAddress,
  type Hash,
  type Hex,
  keccak256,
  parseEventLogs,
  zeroHash,
} from 'viem';
import { describe, expect, inject, test } from 'vitest';
import {
  forwarderAbi,
  forwarderFactoryAbi,
  forwarderFactoryBytecode,
  testFalseReturnTokenAbi,
  testFalseReturnTokenBytecode,
  testNoReturnTokenAbi,
  testNoReturnTokenBytecode,
} from '../contracts-abi/index.ts';
import {
  DETERMINISTIC_DEPLOYER,
  FORWARDER_FACTORY_ADDRESS,
  FORWARDER_IMPLEMENTATION_ADDRESS,
  forwarderAddress,
  forwarderInitCode,
  forwarderSalt,
} from '../src/domain/forwarder-address.ts';
import { createTestClients, sendToken, withSnapshot } from './fixtures/chain.ts';

const [payerA, payerB] = inject('payers').map((payer) => payer.address);
const [usdc] = inject('tokens');
if (!payerA || !payerB || !usdc) throw new Error('the global setup provides payers and USDC');
const payer = payerA;

const factory = { address: FORWARDER_FACTORY_ADDRESS, abi: forwarderFactoryAbi } as const;

async function mined(sent: Promise<Hash>) {
  const { publicClient } = createTestClients();
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await sent });
  if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return receipt;
}

function sweep(payout: Address, salts: Hex[], tokens: Address[]) {
  const { walletClient } = createTestClients();
  // Anyone may sweep: the second payer, who owns nothing here, sends it.
  return mined(
    walletClient.writeContract({
      ...factory,
      account: payerB as Address,
      functionName: 'sweep',
      args: [payout, salts, tokens],
    }),
  );
}

async function balanceOf(token: Address, owner: Address): Promise<bigint> {
  return createTestClients().publicClient.readContract({
    address: token,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner],
  });
}

async function hasCode(address: Address): Promise<boolean> {
  const code = await createTestClients().publicClient.getCode({ address });
  return code !== undefined && code !== '0x';
}

async function deployTestToken(
  abi: typeof testNoReturnTokenAbi | typeof testFalseReturnTokenAbi,
  bytecode: Hex,
) {
  const { publicClient, walletClient } = createTestClients();
  const hash = await walletClient.deployContract({ abi, bytecode, account: payer });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error('no contract address');
  return getAddress(receipt.contractAddress);
}

const randomPayout = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((bytes) => getAddress(`0x${Buffer.from(bytes).toString('hex')}`));
const randomSalt = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => `0x${Buffer.from(bytes).toString('hex')}` as Hex);

describe('ForwarderFactory', () => {
  withSnapshot();

  test('sits at the address its bytecode gives through the deterministic deployer, with its implementation', async () => {
    expect(
      getContractAddress({
        opcode: 'CREATE2',
        from: DETERMINISTIC_DEPLOYER,
        salt: zeroHash,
        bytecode: forwarderFactoryBytecode,
      }),
    ).toBe(FORWARDER_FACTORY_ADDRESS);
    const { publicClient } = createTestClients();
    expect(await publicClient.readContract({ ...factory, functionName: 'implementation' })).toBe(
      FORWARDER_IMPLEMENTATION_ADDRESS,
    );
    expect(await hasCode(FORWARDER_IMPLEMENTATION_ADDRESS)).toBe(true);
  });

  test('computes in TypeScript the deposit address the factory computes, for random payouts and salts', async () => {
    const { publicClient } = createTestClients();
    await fc.assert(
      fc.asyncProperty(randomPayout, randomSalt, async (payout, salt) => {
        const onChain = await publicClient.readContract({
          ...factory,
          functionName: 'forwarderAddress',
          args: [payout, salt],
        });
        expect(forwarderAddress(payout, salt)).toBe(onChain);
      }),
      { numRuns: 40 },
    );
  });

  test('deploys the forwarder at the computed address, which pays only its payout', async () => {
    const { publicClient } = createTestClients();
    await fc.assert(
      fc.asyncProperty(randomPayout, fc.nat({ max: 1_000_000 }), async (payout, index) => {
        const salt = forwarderSalt('mch_test', index);
        const deposit = forwarderAddress(payout, salt);
        await sweep(payout, [salt], []);
        expect(await hasCode(deposit)).toBe(true);
        expect(
          await publicClient.readContract({ address: deposit, abi: forwarderAbi, functionName: 'payout' }),
        ).toBe(payout);
      }),
      { numRuns: 5 },
    );
  });

  test('can never put a forwarder with another payout at a deposit address', async () => {
    const payout = getAddress('0x00000000000000000000000000000000000000a1');
    const attacker = getAddress('0x00000000000000000000000000000000000000b2');
    const salt = forwarderSalt('mch_victim', 7);
    const deposit = forwarderAddress(payout, salt);
    await sendToken({ token: usdc.address, from: payer, to: deposit, amount: 5_000_000n });

    // Through the factory, with the same salt: the attacker's forwarder lands elsewhere.
    const receipt = await sweep(attacker, [salt], [usdc.address]);
    const [deployed] = parseEventLogs({
      abi: forwarderFactoryAbi,
      eventName: 'ForwarderDeployed',
      logs: receipt.logs,
    });
    expect(deployed?.args.forwarder).toBe(forwarderAddress(attacker, salt));
    expect(deployed?.args.forwarder).not.toBe(deposit);
    // Through the deterministic deployer directly, with the clone code of another payout.
    const { walletClient } = createTestClients();
    await mined(
      walletClient.sendTransaction({
        account: payer,
        to: DETERMINISTIC_DEPLOYER,
        data: concat([salt, forwarderInitCode(attacker)]),
      }),
    );
    // The attempt did deploy a forwarder, at an address of its own, not at the deposit address.
    const direct = getContractAddress({
      opcode: 'CREATE2',
      from: DETERMINISTIC_DEPLOYER,
      salt,
      bytecodeHash: keccak256(forwarderInitCode(attacker)),
    });
    expect(await hasCode(direct)).toBe(true);
    expect(direct).not.toBe(deposit);

    expect(await hasCode(deposit)).toBe(false);
    expect(await balanceOf(usdc.address, deposit)).toBe(5_000_000n);
    expect(await balanceOf(usdc.address, attacker)).toBe(0n);
    await sweep(payout, [salt], [usdc.address]);
    expect(await balanceOf(usdc.address, payout)).toBe(5_000_000n);
  });

  test('sweeps many addresses in one transaction, skips zero balances, and sweeps a late payment again', async () => {
    const payout = getAddress('0x00000000000000000000000000000000000000c3');
    const salts = Array.from({ length: 12 }, (_, i) => forwarderSalt('mch_batch', i));
    const deposits = salts.map((salt) => forwarderAddress(payout, salt));
    for (const [i, deposit] of deposits.entries()) {
      if (i % 3 !== 2)
        await sendToken({
          token: usdc.address,
          from: payer,
          to: deposit,
          amount: BigInt(i + 1) * 1_000_000n,
        });
    }
    const expected = deposits.reduce(
      (sum, _, i) => (i % 3 !== 2 ? sum + BigInt(i + 1) * 1_000_000n : sum),
      0n,
    );

    const receipt = await sweep(payout, salts, [usdc.address]);
    const flushed = parseEventLogs({ abi: forwarderAbi, eventName: 'Flushed', logs: receipt.logs });
    expect(flushed).toHaveLength(8);
    expect(await balanceOf(usdc.address, payout)).toBe(expected);
    for (const deposit of deposits) expect(await balanceOf(usdc.address, deposit)).toBe(0n);

    // A late payment to an already deployed forwarder, then the next sweep: it moves that alone.
    await sendToken({ token: usdc.address, from: payer, to: deposits[4] as Address, amount: 250_000n });
    const again = await sweep(payout, salts, [usdc.address]);
    expect(
      parseEventLogs({ abi: forwarderFactoryAbi, eventName: 'ForwarderDeployed', logs: again.logs }),
    ).toEqual([]);
    expect(parseEventLogs({ abi: forwarderAbi, eventName: 'Flushed', logs: again.logs })).toHaveLength(1);
    expect(await balanceOf(usdc.address, payout)).toBe(expected + 250_000n);
  });

  test('moves tokens that return nothing, and one refusing token does not block the others', async () => {
    const payout = getAddress('0x00000000000000000000000000000000000000d4');
    const salt = forwarderSalt('mch_tokens', 1);
    const deposit = forwarderAddress(payout, salt);
    const usdtLike = await deployTestToken(testNoReturnTokenAbi, testNoReturnTokenBytecode);
    const refusing = await deployTestToken(testFalseReturnTokenAbi, testFalseReturnTokenBytecode);
    const { walletClient } = createTestClients();
    await mined(
      walletClient.writeContract({
        address: usdtLike,
        abi: testNoReturnTokenAbi,
        account: payer,
        functionName: 'mint',
        args: [deposit, 7n],
      }),
    );
    await mined(
      walletClient.writeContract({
        address: refusing,
        abi: testFalseReturnTokenAbi,
        account: payer,
        functionName: 'mint',
        args: [deposit, 9n],
      }),
    );
    await mined(
      walletClient.writeContract({
        address: refusing,
        abi: testFalseReturnTokenAbi,
        account: payer,
        functionName: 'refuse',
        args: [true],
      }),
    );
    await sendToken({ token: usdc.address, from: payer, to: deposit, amount: 3n });
    const notAToken = getAddress('0x00000000000000000000000000000000000000e5');

    const receipt = await sweep(payout, [salt], [refusing, usdtLike, notAToken, usdc.address]);
    const failed = parseEventLogs({ abi: forwarderAbi, eventName: 'FlushFailed', logs: receipt.logs });
    expect(failed.map((log) => log.args.token)).toEqual([refusing, notAToken]);
    expect(await balanceOf(usdtLike, payout)).toBe(7n);
    expect(await balanceOf(usdc.address, payout)).toBe(3n);
    expect(await balanceOf(refusing, deposit)).toBe(9n);

    // Once the token accepts again, the next sweep moves what it held back.
    await mined(
      walletClient.writeContract({
        address: refusing,
        abi: testFalseReturnTokenAbi,
        account: payer,
        functionName: 'refuse',
        args: [false],
      }),
    );
    await sweep(payout, [salt], [refusing]);
    expect(await balanceOf(refusing, payout)).toBe(9n);
  });

  test('forwards ETH sent to a deposit address, refuses a zero payout, and its implementation pays no one', async () => {
    const payout = getAddress('0x00000000000000000000000000000000000000f6');
    const salt = forwarderSalt('mch_eth', 1);
    const deposit = forwarderAddress(payout, salt);
    const { publicClient, walletClient } = createTestClients();
    await mined(walletClient.sendTransaction({ account: payer, to: deposit, value: 1_000n }));
    await sweep(payout, [salt], []);
    expect(await publicClient.getBalance({ address: payout })).toBe(1_000n);

    await expect(
      publicClient.simulateContract({
        ...factory,
        account: payer,
        functionName: 'sweep',
        args: ['0x0000000000000000000000000000000000000000', [salt], []],
      }),
    ).rejects.toThrow(/ZeroPayout/);
    await expect(
      publicClient.simulateContract({
        address: FORWARDER_IMPLEMENTATION_ADDRESS,
        abi: forwarderAbi,
        account: payer,
        functionName: 'flush',
        args: [[usdc.address]],
      }),
    ).rejects.toThrow(/NotAClone/);
  });
});
