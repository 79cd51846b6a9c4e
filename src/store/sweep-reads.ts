import type { SweepStatus } from '../domain/sweep.ts';
import { cursorSeq } from './cursor-seq.ts';
import { query, type Sql } from './sql.ts';
import { loadSweep, type OpenSweep, type SweepRow, toSweep } from './sweep-rows.ts';

/** Sweeps as the executor follows them and as the API lists them. */

/** Open (unsigned or submitted) sweeps of a chain, oldest first: each is followed until settled. */
export function* listOpenSweeps(
  chainId: number,
  filter: {
    status?: 'unsigned' | 'submitted';
    merchantId?: string | undefined;
    /** false: only sweeps the gateway did not sign (unsigned, or sent by the merchant's wallet). */
    signedHere?: boolean;
  } = {},
): Sql<OpenSweep[]> {
  const rows =
    yield* query<SweepRow>(`SELECT * FROM sweeps WHERE chain_id = @chainId AND status IN ('unsigned','submitted')
       AND (CAST(@status AS TEXT) IS NULL OR status = @status) AND (CAST(@merchantId AS TEXT) IS NULL OR merchant_id = @merchantId)
       AND (CAST(@signedHere AS INTEGER) IS NULL OR (CASE WHEN raw_tx IS NULL THEN 0 ELSE 1 END) = @signedHere)
     ORDER BY seq`).all({
      chainId,
      status: filter.status ?? null,
      merchantId: filter.merchantId ?? null,
      signedHere: filter.signedHere === undefined ? null : Number(filter.signedHere),
    });
  return yield* toSweeps(rows);
}

export function* getSweep(merchantId: string, id: string): Sql<OpenSweep | null> {
  const sweep = yield* loadSweep(id);
  return sweep && sweep.merchantId === merchantId ? sweep : null;
}

export function* listSweeps(filter: { merchantId?: string; chainId?: number }): Sql<OpenSweep[]> {
  const rows = yield* query<SweepRow>(
    `SELECT * FROM sweeps WHERE (CAST(@merchantId AS TEXT) IS NULL OR merchant_id = @merchantId) AND (CAST(@chainId AS BIGINT) IS NULL OR chain_id = @chainId) ORDER BY seq`,
  ).all({ merchantId: filter.merchantId ?? null, chainId: filter.chainId ?? null });
  return yield* toSweeps(rows);
}

/** A merchant's sweeps, newest first by `seq`, cursor after `startingAfter` (like the invoice list). */
export function* listMerchantSweeps(
  merchantId: string,
  filter: {
    chainId?: number | undefined;
    status?: SweepStatus | undefined;
    limit: number;
    startingAfter?: string | undefined;
  },
): Sql<{ data: OpenSweep[]; hasMore: boolean }> {
  const before = filter.startingAfter ? yield* cursorSeq('sweeps', merchantId, filter.startingAfter) : null;
  const rows =
    yield* query<SweepRow>(`SELECT * FROM sweeps WHERE merchant_id = @merchantId AND (CAST(@chainId AS BIGINT) IS NULL OR chain_id = @chainId)
       AND (CAST(@status AS TEXT) IS NULL OR status = @status) AND (CAST(@before AS BIGINT) IS NULL OR seq < @before)
     ORDER BY seq DESC LIMIT @limit`).all({
      merchantId,
      chainId: filter.chainId ?? null,
      status: filter.status ?? null,
      before,
      limit: filter.limit + 1,
    });
  return {
    data: yield* toSweeps(rows.slice(0, filter.limit)),
    hasMore: rows.length > filter.limit,
  };
}

function* toSweeps(rows: readonly SweepRow[]): Sql<OpenSweep[]> {
  const sweeps: OpenSweep[] = [];
  for (const row of rows) sweeps.push(yield* toSweep(row));
  return sweeps;
}
