import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticateApiKey } from '../../src/store/api-keys.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { childEnv, runCli } from '../fixtures/cli-process.ts';
import { testXpub } from '../fixtures/context.ts';

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-key-cli-'));
  env = childEnv({ DATABASE_PATH: join(dir, 'stablegate.db') });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A command expected to fail: its exit code and stderr. */
async function failing(args: string[]): Promise<{ code: unknown; stderr: string }> {
  try {
    await runCli(args, env);
  } catch (error) {
    return {
      code: (error as { code?: unknown }).code,
      stderr: String((error as { stderr?: unknown }).stderr),
    };
  }
  throw new Error(`stablegate ${args.join(' ')} succeeded`);
}

const isActive = async (apiKey: string) => {
  const store = openSqliteStore(join(dir, 'stablegate.db'));
  try {
    return (await store.read(authenticateApiKey, apiKey)) !== null;
  } finally {
    await store.close();
  }
};

describe('stablegate key', () => {
  it('creates, lists and revokes a merchant’s keys, and keeps the last one', async () => {
    const merchant = JSON.parse(
      await runCli(['merchant', 'create', '--name', 'Shop', '--xpub', testXpub(1), '--json'], env),
    );
    const m = ['--merchant', merchant.merchantId];
    const created = JSON.parse(await runCli(['key', 'create', ...m, '--name', 'ci', '--json'], env));
    expect(created).toMatchObject({ merchantId: merchant.merchantId, name: 'ci' });
    expect(created.apiKey).toMatch(/^sk_/);
    expect(await isActive(created.apiKey)).toBe(true);

    const listed = await runCli(['key', 'list', ...m, '--json'], env);
    expect(JSON.parse(listed).data.map((key: { name: string | null }) => key.name)).toEqual([null, 'ci']);
    expect(listed).not.toContain(created.apiKey);
    expect(listed).not.toContain(merchant.apiKey);
    const firstId = JSON.parse(listed).data[0].id;

    expect(await runCli(['key', 'revoke', firstId, ...m], env)).toContain(`API key ${firstId} revoked`);
    expect(await isActive(merchant.apiKey)).toBe(false);
    const last = await failing(['key', 'revoke', created.id, ...m]);
    expect(last.code).toBe(1);
    expect(last.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^stablegate: .*last active API key/),
    ]);
    expect(await isActive(created.apiKey)).toBe(true);
    const text = await runCli(['key', 'list', ...m], env);
    expect(text.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${created.id}  sk_.{4}…  .*  ci$`)),
    ]);
  });

  it('refuses an unknown flag and a missing --merchant as usage errors (exit 2), an unknown merchant in one line', async () => {
    const unknown = await failing(['key', 'list', '--merchant', 'mch_x', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('stablegate: unknown option --nope');
    expect(unknown.stderr).toContain('Usage: stablegate key list');
    expect(unknown.stderr).not.toContain('    at ');
    const missing = await failing(['key', 'create']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--merchant: required');
    const nobody = await failing(['key', 'list', '--merchant', 'mch_nobody']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr.trim().split('\n')).toEqual(['stablegate: --merchant: no merchant mch_nobody']);
  });
});
