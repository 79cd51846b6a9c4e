import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChainConfig, RPC_DEFAULTS } from '../config/chains.ts';
import { systemClock } from '../domain/clock.ts';
import { commitScan, markSynced } from '../store/chain-state.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.ts';
import { createReadiness, type ReadinessDeps } from './readiness.ts';

type Deps = ReadinessDeps & { store: SqliteStore };

const opened: { dir: string; deps: Deps }[] = [];

afterEach(async () => {
  for (const { dir, deps } of opened.splice(0)) {
    if (deps.store.db.open) await deps.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh SQLite file and one chain: all that readiness reads. */
function createDeps(): Deps {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-readiness-'));
  const chain: ChainConfig = {
    chainId: 31337,
    name: 'Anvil',
    rpcUrls: ['http://127.0.0.1:8545'],
    wsUrls: [],
    ...RPC_DEFAULTS,
    confirmations: 3,
    pollIntervalMs: 100,
    tokens: [{ symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 }],
  };
  const deps = {
    store: openSqliteStore(join(dir, 'stablegate.db')),
    clock: systemClock,
    config: { chains: [chain] },
  };
  opened.push({ dir, deps });
  return deps;
}

const BLOCK = { number: 100, hash: `0x${'ab'.repeat(32)}`, timestamp: 1_700_000_000 } as const;

describe('readiness', () => {
  it('is ready once the watcher is level with the head, and names the chain that is not', async () => {
    const current = createDeps();
    const chainId = current.config.chains[0]?.chainId as number;
    const readiness = createReadiness(current, {});
    expect(await readiness()).toEqual({
      ok: false,
      checks: {
        database: { ok: true },
        [`chain:${chainId}`]: { ok: false, detail: 'the watcher has not started on this chain' },
      },
    });
    await current.store.write(commitScan, {
      chainId,
      transfers: [],
      blocks: [{ ...BLOCK, parentHash: `0x${'cd'.repeat(32)}` }],
      cursor: BLOCK,
      headNumber: 102,
      indexedRowId: 0,
      confirmedThrough: BLOCK.number - 1,
      windowSize: 64,
      now: new Date(),
    });
    // Scanned but never level with the head: not ready yet.
    expect((await readiness()).checks[`chain:${chainId}`]).toEqual({
      ok: false,
      detail: 'the watcher has not reached the head in the last minute',
    });
    await current.store.write(markSynced, chainId, 102, new Date());
    expect(await readiness()).toMatchObject({
      ok: true,
      checks: { [`chain:${chainId}`]: { ok: true, detail: 'head lag 2 blocks' } },
    });
    await readiness.close();
  });

  it('reports a chain whose head stands still past its limit, and is ready again once it moves', async () => {
    const current = createDeps();
    const chainId = current.config.chains[0]?.chainId as number;
    let now = Date.parse('2026-12-01T00:00:00.000Z');
    const readiness = createReadiness({ ...current, clock: { now: () => new Date(now) } }, {});
    const check = async () => (await readiness()).checks[`chain:${chainId}`];
    const commit = (headNumber: number, staleAfterMs: number | null) =>
      current.store.write(commitScan, {
        chainId,
        transfers: [],
        blocks: [],
        cursor: { ...BLOCK, number: headNumber },
        headNumber,
        indexedRowId: 0,
        confirmedThrough: headNumber - 1,
        windowSize: 64,
        staleAfterMs,
        now: new Date(now),
      });
    await commit(100, 10_000);
    now += 9_000;
    // Level with a head that has not moved (the watcher refreshes synced_at while idle).
    await current.store.write(markSynced, chainId, 100, new Date(now), 10_000);
    expect(await check()).toEqual({ ok: true, detail: 'head lag 0 blocks' });
    now += 2_500;
    await current.store.write(markSynced, chainId, 100, new Date(now), 10_000);
    expect(await check()).toEqual({
      ok: false,
      detail: 'stale head: block 100 has not advanced for 11.5 s (limit 10 s)',
    });
    now += 500;
    await commit(101, 10_000);
    expect(await check()).toEqual({ ok: true, detail: 'head lag 0 blocks' });
    // A chain without a block clock (anvil's automine) has no limit: idle is not stale.
    now += 50_000;
    await current.store.write(markSynced, chainId, 101, new Date(now), null);
    expect(await check()).toEqual({ ok: true, detail: 'head lag 0 blocks' });
    await readiness.close();
  });

  it('reports a database it cannot read as failed checks, not as an error', async () => {
    const current = createDeps();
    const chainId = current.config.chains[0]?.chainId as number;
    const readiness = createReadiness(current, {});
    current.store.db.close();
    const result = await readiness();
    expect(result.ok).toBe(false);
    expect(result.checks.database).toMatchObject({ ok: false });
    expect(result.checks[`chain:${chainId}`]?.detail).toMatch(/^cannot read the watcher's cursor: /);
    await readiness.close();
  });
});
