import type { SweepStatus } from '../domain/sweep.ts';
import { cursorSeq } from './cursor-seq.ts';
import type { Db } from './db.ts';
import { statement } from './statement.ts';
import { loadSweep, type OpenSweep, type SweepRow, toSweep } from './sweep-rows.ts';

/** Sweeps as the executor follows them and as the API lists them. */

/** Open (unsigned or submitted) sweeps of a chain, oldest first: each is followed until settled. */
export function listOpenSweeps(
  db: Db,
  chainId: number,
  filter: {
    status?: 'unsigned' | 'submitted';
    merchantId?: string | undefined;
    /** false: only sweeps the gateway did not sign (unsigned, or sent by the merchant's wallet). */
    signedHere?: boolean;
  } = {},
): OpenSweep[] {
  const rows = statement<SweepRow>(
    db,
    `SELECT * FROM sweeps WHERE chain_id = @chainId AND status IN ('unsigned','submitted')
       AND (@status IS NULL OR status = @status) AND (@merchantId IS NULL OR merchant_id = @merchantId)
       AND (@signedHere IS NULL OR (raw_tx IS NOT NULL) = @signedHere)
     ORDER BY seq`,
  ).all({
    chainId,
    status: filter.status ?? null,
    merchantId: filter.merchantId ?? null,
    signedHere: filter.signedHere === undefined ? null : Number(filter.signedHere),
  });
  return rows.map((row) => toSweep(db, row));
}

export function getSweep(db: Db, merchantId: string, id: string): OpenSweep | null {
  const sweep = loadSweep(db, id);
  return sweep && sweep.merchantId === merchantId ? sweep : null;
}

export function listSweeps(db: Db, filter: { merchantId?: string; chainId?: number }): OpenSweep[] {
  const rows = statement<SweepRow>(
    db,
    `SELECT * FROM sweeps WHERE (@merchantId IS NULL OR merchant_id = @merchantId) AND (@chainId IS NULL OR chain_id = @chainId) ORDER BY seq`,
  ).all({ merchantId: filter.merchantId ?? null, chainId: filter.chainId ?? null });
  return rows.map((row) => toSweep(db, row));
}

/** A merchant's sweeps, newest first by `seq`, cursor after `startingAfter` (like the invoice list). */
export function listMerchantSweeps(
  db: Db,
  merchantId: string,
  filter: {
    chainId?: number | undefined;
    status?: SweepStatus | undefined;
    limit: number;
    startingAfter?: string | undefined;
  },
): { data: OpenSweep[]; hasMore: boolean } {
  const before = filter.startingAfter ? cursorSeq(db, 'sweeps', merchantId, filter.startingAfter) : null;
  const rows = statement<SweepRow>(
    db,
    `SELECT * FROM sweeps WHERE merchant_id = @merchantId AND (@chainId IS NULL OR chain_id = @chainId)
       AND (@status IS NULL OR status = @status) AND (@before IS NULL OR seq < @before)
     ORDER BY seq DESC LIMIT @limit`,
  ).all({
    merchantId,
    chainId: filter.chainId ?? null,
    status: filter.status ?? null,
    before,
    limit: filter.limit + 1,
  });
  return {
    data: rows.slice(0, filter.limit).map((row) => toSweep(db, row)),
    hasMore: rows.length > filter.limit,
  };
}
