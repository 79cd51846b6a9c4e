import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { Webhook } from 'standardwebhooks';
import type { Address } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/devnet/data-dir-lock.ts';
import { type DevnetFile, readDevnetFile, writeDevnetFile } from '../../src/devnet/devnet-file.ts';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { forwarderAddress, forwarderSalt } from '../../src/domain/forwarder-address.ts';
import {
  type CliProcess,
  type CliResult,
  childEnv,
  runCliResult,
  spawnCli,
  waitForProcess,
} from '../fixtures/cli-process.ts';
import { TEST_MNEMONIC, testXpub } from '../fixtures/context.ts';

/** Starting anvil, redis-server and a deployment takes a few seconds, more on a loaded machine. */
const START_TIMEOUT_MS = 60_000;
const EVENT_TIMEOUT_MS = 45_000;
/** `dev` as a newcomer runs it: its own anvil and redis-server, none of the test run's settings. */
const DEV_ENV = childEnv({}, ['REDIS_URL', 'DATABASE_PATH', 'STABLEGATE_CONFIG', 'PORT', 'HOST']);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-e2e-cli-'));
  dirs.push(dir);
  return dir;
}

/** A usage error as the shell sees it: exit 2, one `stablegate:` line, then the usage; no stack. */
function expectUsageError(result: CliResult, problem: string, usageStart: string) {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const [first, blank, usage] = result.stderr.split('\n');
  expect(first).toBe(`stablegate: ${problem}`);
  expect(blank).toBe('');
  expect(usage).toContain(usageStart);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('stablegate CLI, one-shot', () => {
  test('--help exits 0 with the usage on stdout; bare, an unknown flag or a bad value exit 2 with one line', async () => {
    const env = childEnv({});
    const [help, createHelp, bare, unknown, badPort] = await Promise.all([
      runCliResult(['--help'], env),
      runCliResult(['merchant', 'create', '-h'], env),
      runCliResult([], env),
      runCliResult(['dev', '--bogus'], env),
      runCliResult(['listen', '--port', 'x', '--register'], env),
    ]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    for (const command of ['dev', 'serve', 'watch', 'work', 'migrate', 'merchant', 'key', 'pay', 'listen'])
      expect(help.stdout).toContain(`\n  ${command} `);
    expect(createHelp).toMatchObject({ code: 0, stderr: '' });
    expect(createHelp.stdout).toMatch(/^Usage: stablegate merchant create .*--allow-depth/s);
    expectUsageError(bare, 'a command is required', 'Usage: stablegate <command>');
    expectUsageError(unknown, 'unknown option --bogus', 'Usage: stablegate dev');
    expectUsageError(
      badPort,
      '--port: expected a whole number from 1 to 65535, got "x"',
      'Usage: stablegate listen',
    );
  }, 90_000);

  test('pay against a devnet that is not running says so in one line and exits 1', async () => {
    const dataDir = tempDir();
    const rpcUrl = `http://127.0.0.1:${await getFreePort()}`;
    const devnet: DevnetFile = {
      apiUrl: 'http://localhost:1',
      apiKey: 'sk_unused',
      merchantId: 'mch_unused',
      rpcUrl,
      chainId: 31337,
      databasePath: join(dataDir, 'stablegate.db'),
      tokens: [],
      payers: [],
    };
    writeDevnetFile(dataDir, devnet);
    const result = await runCliResult(['pay', 'inv_x', '--data-dir', dataDir], childEnv({}));
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `stablegate: devnet at ${rpcUrl} not reachable — is \`npm start\` running?\n`,
    });
  }, 60_000);

  test('merchant create refuses a depth other than 4 unless --allow-depth, reads --xpub - from stdin and prints address #0', async () => {
    const env = childEnv({ DATABASE_PATH: join(tempDir(), 'stablegate.db') }, ['STABLEGATE_CONFIG']);
    const depth3 = HDKey.fromMasterSeed(mnemonicToSeedSync(TEST_MNEMONIC)).derive(
      "m/44'/60'/2'",
    ).publicExtendedKey;
    const [refused, allowed, fromStdin] = await Promise.all([
      runCliResult(['merchant', 'create', '--name', 'Shop', '--xpub', depth3], env),
      runCliResult(
        ['merchant', 'create', '--name', 'Shop', '--xpub', depth3, '--allow-depth', '--json'],
        env,
      ),
      runCliResult(['merchant', 'create', '--name', 'Shop', '--xpub', '-', '--json'], env, {
        input: `${testXpub(1)}\n`,
      }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^stablegate: --xpub: refused: depth 3, expected 4 .*; pass --allow-depth if this is intended\n$/,
    );
    expect(allowed.code).toBe(0);
    expect(fromStdin).toMatchObject({ code: 0, stderr: '' });
    const created = JSON.parse(fromStdin.stdout) as {
      merchantId: string;
      apiKey: string;
      depositAddress0: string;
    };
    expect(created.merchantId).toMatch(/^mch_/);
    // What a wallet on the same mnemonic shows as the first address of account 1: m/44'/60'/1'/0/0.
    expect(created.depositAddress0).toBe(mnemonicToAccount(TEST_MNEMONIC, { accountIndex: 1 }).address);
  }, 90_000);

  test('merchant create --payout makes a forwarder merchant; a bad payout or both modes are usage errors', async () => {
    const env = childEnv({ DATABASE_PATH: join(tempDir(), 'stablegate.db') }, ['STABLEGATE_CONFIG']);
    const payout = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
    const [created, badAddress, both] = await Promise.all([
      runCliResult(
        ['merchant', 'create', '--name', 'Course Shop', '--payout', payout.toLowerCase(), '--json'],
        env,
      ),
      runCliResult(['merchant', 'create', '--name', 'Shop', '--payout', '0x1234'], env),
      runCliResult(['merchant', 'create', '--name', 'Shop', '--payout', payout, '--xpub', testXpub(1)], env),
    ]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const merchant = JSON.parse(created.stdout) as {
      merchantId: string;
      depositMode: string;
      depositAddress0: Address;
    };
    expect(merchant.depositMode).toBe('forwarder');
    expect(merchant.depositAddress0).toBe(forwarderAddress(payout, forwarderSalt(merchant.merchantId, 0)));
    expect(badAddress.code).toBe(2);
    expect(badAddress.stderr.split('\n')[0]).toBe(
      'stablegate: --payout: not a 0x-prefixed 20-byte address: "0x1234"',
    );
    expect(both.code).toBe(2);
    expect(both.stderr.split('\n')[0]).toBe('stablegate: --payout and --xpub: give one, not both');
  }, 90_000);
});

describe('one stablegate dev process', () => {
  // A folder dev creates itself, so its mode is dev's doing (mkdtemp's are 0700 already).
  const dataDir = join(tempDir(), 'data');
  let dev: CliProcess;
  let devnet: DevnetFile;
  let port: number;

  beforeAll(async () => {
    port = await getFreePort();
    dev = spawnCli(['dev', '--port', String(port), '--data-dir', dataDir], DEV_ENV);
    await waitForProcess(dev, () => dev.output().includes('stablegate dev is ready'), {
      timeoutMs: START_TIMEOUT_MS,
      what: 'dev did not print its ready line',
    });
    const file = readDevnetFile(dataDir);
    if (!file) throw new Error('dev is ready but wrote no devnet.json');
    devnet = file;
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await dev?.stop();
  });

  test('prints a line that says it is ready, with the API, checkout and docs URLs', async () => {
    const base = `http://localhost:${port}`;
    expect(dev.output()).toContain(
      `stablegate dev is ready: API ${base}  checkout ${base}/pay/<invoiceId>  docs ${base}/docs`,
    );
    const docs = await fetch(`${base}/docs`);
    await docs.body?.cancel();
    expect(docs.status).toBe(200);
  });

  test('listens on loopback only, and keeps its data dir and database private', () => {
    // /proc/net/tcp{,6}: "sl local_address rem_address st …", addresses as hex ip:port, 0A = LISTEN.
    const listening = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
      readFileSync(table, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter(
          (fields) =>
            fields[3] === '0A' && fields[1]?.endsWith(`:${port.toString(16).toUpperCase().padStart(4, '0')}`),
        )
        .map((fields) => fields[1]?.split(':')[0]),
    );
    expect(listening).toEqual(['0100007F']);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'stablegate.db')).mode & 0o777).toBe(0o600);
  });

  test('a second dev on the same data dir refuses to start, naming the running one', async () => {
    const second = await runCliResult(
      ['dev', '--port', String(await getFreePort()), '--data-dir', dataDir],
      DEV_ENV,
    );
    expect(second).toEqual({
      code: 1,
      stdout: '',
      stderr: `stablegate: data dir ${dataDir} is in use by another stablegate dev (pid ${dev.pid}); stop it or choose another --data-dir\n`,
    });
    const ready = await fetch(`${devnet.apiUrl}/readyz`);
    await ready.body?.cancel();
    expect(ready.status).toBe(200);
  }, 60_000);

  test('listen --register prints the verified events of a payment made with stablegate pay, and refuses a forgery', async () => {
    const listenPort = await getFreePort();
    const listen = spawnCli(
      ['listen', '--register', '--port', String(listenPort), '--data-dir', dataDir],
      DEV_ENV,
    );
    try {
      await waitForProcess(listen, () => listen.output().includes('listening for webhooks'), {
        timeoutMs: START_TIMEOUT_MS,
        what: 'listen did not start',
      });
      const endpointId = /registered as webhook endpoint (whe_\S+)/.exec(listen.output())?.[1];
      expect(endpointId).toBeDefined();

      const created = await fetch(`${devnet.apiUrl}/v1/invoices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${devnet.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '25.5', currency: 'USDC', chainId: devnet.chainId }),
      });
      expect(created.status).toBe(201);
      const invoice = (await created.json()) as { id: string };
      const paid = await runCliResult(['pay', invoice.id, '--data-dir', dataDir], DEV_ENV);
      expect(paid).toMatchObject({ code: 0, stderr: '' });

      const paidLine = new RegExp(
        `✓ invoice\\.paid evt_\\S+ invoice ${invoice.id} paid \\(25\\.5 USDC paid\\)`,
      );
      await waitForProcess(listen, () => paidLine.test(listen.output()), {
        timeoutMs: EVENT_TIMEOUT_MS,
        what: 'listen printed no verified invoice.paid',
      });
      expect(listen.output()).toMatch(
        new RegExp(`✓ invoice\\.created evt_\\S+ invoice ${invoice.id} pending`),
      );

      // Signed with a secret that is not the endpoint's: refused, answered 400.
      const forgedSecret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
      const body = JSON.stringify({ id: 'evt_forged', type: 'invoice.paid', data: {} });
      const now = new Date();
      const forged = await fetch(`http://127.0.0.1:${listenPort}/`, {
        method: 'POST',
        headers: {
          'webhook-id': 'evt_forged',
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': new Webhook(forgedSecret).sign('evt_forged', now, body),
        },
        body,
      });
      await forged.body?.cancel();
      expect(forged.status).toBe(400);
      await waitForProcess(listen, () => listen.output().includes('✗ refused evt_forged'), {
        timeoutMs: 10_000,
        what: 'listen did not print the refusal',
      });
      expect(listen.output()).not.toContain('✓ invoice.paid evt_forged');

      // Stopped, it deletes the endpoint it registered.
      listen.kill('SIGTERM');
      expect(await listen.waitForExit(20_000)).toEqual({ code: 0, signal: null });
      expect(listen.output()).toContain(`webhook endpoint ${endpointId} deleted`);
      const endpoints = await fetch(`${devnet.apiUrl}/v1/webhook-endpoints`, {
        headers: { authorization: `Bearer ${devnet.apiKey}` },
      });
      expect(((await endpoints.json()) as { data: { id: string }[] }).data.map((e) => e.id)).not.toContain(
        endpointId,
      );
    } finally {
      await listen.stop();
    }
  }, 120_000);

  test('on SIGTERM it exits 0 and removes its lock file', async () => {
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(true);
    dev.kill('SIGTERM');
    expect(await dev.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  }, 40_000);
});
