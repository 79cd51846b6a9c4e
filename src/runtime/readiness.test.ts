import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/fixtures/context.ts';
import { commitScan, markSynced } from '../store/chain-state.ts';
import { createReadiness } from './readiness.ts';

let ctx: TestContext | undefined;

afterEach(() => {
  ctx?.close();
  ctx = undefined;
});

const BLOCK = { number: 100, hash: `0x${'ab'.repeat(32)}`, timestamp: 1_700_000_000 } as const;

describe('readiness', () => {
  it('is ready once the watcher is level with the head, and names the chain that is not', async () => {
    const current = createTestContext();
    ctx = current;
    const chainId = current.config.chains[0]?.chainId as number;
    const readiness = createReadiness(current, {});
    expect(await readiness()).toEqual({
      ok: false,
      checks: {
        database: { ok: true },
        [`chain:${chainId}`]: { ok: false, detail: 'the watcher has not started on this chain' },
      },
    });
    commitScan(current.db, {
      chainId,
      transfers: [],
      blocks: [{ ...BLOCK, parentHash: `0x${'cd'.repeat(32)}` }],
      cursor: BLOCK,
      headNumber: 102,
      indexedRowId: 0,
      confirmations: 2,
      windowSize: 64,
      now: new Date(),
    });
    // Scanned but never level with the head: not ready yet.
    expect((await readiness()).checks[`chain:${chainId}`]).toEqual({
      ok: false,
      detail: 'the watcher has not reached the head in the last minute',
    });
    markSynced(current.db, chainId, 102, new Date());
    expect(await readiness()).toMatchObject({
      ok: true,
      checks: { [`chain:${chainId}`]: { ok: true, detail: 'head lag 2 blocks' } },
    });
    await readiness.close();
  });

  it('reports a database it cannot read as failed checks, not as an error', async () => {
    const current = createTestContext();
    ctx = current;
    const chainId = current.config.chains[0]?.chainId as number;
    const readiness = createReadiness(current, {});
    current.db.close();
    const result = await readiness();
    expect(result.ok).toBe(false);
    expect(result.checks.database).toMatchObject({ ok: false });
    expect(result.checks[`chain:${chainId}`]?.detail).toMatch(/^cannot read the watcher's cursor: /);
    await readiness.close();
  });
});
