import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { writeDevnetFile } from '../../src/devnet/devnet-file.ts';
import { pluck } from '../../src/store/sql.ts';
import { listSweeps } from '../../src/store/sweep-reads.ts';
import { createTestClients, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { childEnv, runCliResult } from '../fixtures/cli-process.ts';
import { type Gateway, startGateway } from '../fixtures/gateway.ts';
import { TEST_ENGINE } from '../fixtures/test-database.ts';

withSnapshot();

let gateway: Gateway;
let dataDir: string;
const BIN = fileURLToPath(new URL('../../bin/stablegate.js', import.meta.url));
const payout = privateKeyToAccount(generatePrivateKey()).address;

beforeEach(async () => {
  gateway = await startGateway({ confirmations: 1, payout });
  // What `stablegate dev` writes, pointing at this test's database and the run's anvil.
  dataDir = join(gateway.ctx.dir, 'data');
  mkdirSync(dataDir);
  writeDevnetFile(dataDir, {
    apiUrl: 'http://127.0.0.1:1',
    apiKey: 'sk_unused',
    merchantId: gateway.merchantId,
    rpcUrl: inject('rpcUrl'),
    chainId: inject('chainId'),
    databasePath: gateway.ctx.config.databasePath,
    tokens: inject('tokens'),
    payers: inject('payers'),
  });
});
afterEach(async () => {
  await gateway.stop();
});

// The devnet's data dir names its SQLite file; a devnet never runs on PostgreSQL.
describe.skipIf(TEST_ENGINE === 'postgres')('stablegate sweep --data-dir', () => {
  it('moves the devnet payments to the payout with a funded anvil account, then finds nothing', async () => {
    const invoice = await gateway.createInvoice('25.5');
    await sendToken({
      token: invoice.token.address,
      from: inject('payers')[0]?.address as `0x${string}`,
      to: invoice.depositAddress,
      amount: invoice.amount,
    });
    await gateway.waitFor(async () => (await invoiceStatus(invoice.id)) === 'paid');
    const env = childEnv({}, ['SWEEPER_PRIVATE_KEY', 'STABLEGATE_CONFIG', 'DATABASE_PATH']);
    const dry = await runCliResult(['sweep', '--data-dir', dataDir, '--dry-run'], env);
    expect(dry.stdout).toContain(`swept 25.5 USDC from 1 deposit address(es) to ${payout}`);
    expect(await gateway.ctx.store.read(listSweeps, {})).toEqual([]);

    const run = await runCliResult(['sweep', '--data-dir', dataDir], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: confirmed 0x[0-9a-f]{64}/);
    expect(run.stdout).toContain(`payout ${payout} holds 25.5 USDC`);

    // Without STABLEGATE_CONFIG, from the devnet's folder, `npx stablegate sweep` finds ./data.
    const again = await promisify(execFile)(process.execPath, [BIN, 'sweep'], { cwd: gateway.ctx.dir, env });
    expect(again.stdout.trim()).toBe(`chain ${inject('chainId')}: nothing to sweep`);
  });

  it('--unsigned records sweeps for any wallet to send, and the sent one is followed to confirmed', async () => {
    const invoice = await gateway.createInvoice('7');
    const payer = inject('payers')[0]?.address as `0x${string}`;
    await sendToken({
      token: invoice.token.address,
      from: payer,
      to: invoice.depositAddress,
      amount: invoice.amount,
    });
    await gateway.waitFor(async () => (await invoiceStatus(invoice.id)) === 'paid');
    const env = childEnv({}, ['SWEEPER_PRIVATE_KEY', 'STABLEGATE_CONFIG', 'DATABASE_PATH']);
    const run = await runCliResult(['sweep', '--data-dir', dataDir, '--unsigned'], env);
    expect(run.code).toBe(0);
    const [sweep, ...rest] = JSON.parse(run.stdout) as {
      id: string;
      status: string;
      transaction: { to: `0x${string}`; data: `0x${string}`; gas: `0x${string}` };
    }[];
    expect(rest).toEqual([]);
    expect(sweep?.status).toBe('unsigned');
    if (!sweep) throw new Error('no sweep');
    await createTestClients().walletClient.sendTransaction({
      account: payer,
      to: sweep.transaction.to,
      data: sweep.transaction.data,
      gas: BigInt(sweep.transaction.gas),
    });
    // `work` (the gateway's workers) follows sweeps that no gas wallet of its own signed.
    await gateway.waitFor(
      async () => (await gateway.ctx.store.read(listSweeps, {}))[0]?.status === 'confirmed',
      30_000,
    );
    expect((await gateway.ctx.store.read(listSweeps, {})).map((s) => s.id)).toEqual([sweep.id]);
  });
});

function invoiceStatus(id: string): Promise<string | undefined> {
  return gateway.ctx.store.read(() => pluck<string>('SELECT status FROM invoices WHERE id = ?').get(id));
}
