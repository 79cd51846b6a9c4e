import { type DepositAddressRow, loadDepositAddresses } from '../store/chain-state.ts';
import type { Db } from '../store/db.ts';

/**
 * The chain's deposit addresses in memory, keyed by the 40 lower-case hex characters that end a
 * Transfer log's `to` topic, so matching a log is one Map lookup. Values are invoice rowids (small
 * integers, no allocation), which keeps a million addresses well under the memory budget.
 */
export function createDepositAddressIndex(db: Db, chainId: number) {
  const byAddress = new Map<string, number>();
  let lastRowId = 0;
  return {
    /**
     * Loads invoices created since the last call, and returns those `needsCatchUp` selects (only
     * those: at start every invoice is new, and holding a million row objects would double RSS).
     */
    refresh(needsCatchUp: (row: DepositAddressRow) => boolean): {
      added: number;
      catchUp: DepositAddressRow[];
    } {
      const catchUp: DepositAddressRow[] = [];
      let added = 0;
      for (;;) {
        const rows = loadDepositAddresses(db, chainId, lastRowId);
        for (const row of rows) {
          byAddress.set(row.depositAddress.slice(2).toLowerCase(), row.rowid);
          if (needsCatchUp(row)) catchUp.push(row);
          lastRowId = row.rowid;
        }
        added += rows.length;
        if (rows.length < 100_000) return { added, catchUp };
      }
    },
    /** The invoice rowid a Transfer's `to` topic pays, if it is one of ours. */
    matchToTopic(toTopic: string): number | undefined {
      return byAddress.get(toTopic.slice(26).toLowerCase());
    },
    /** Every invoice up to this rowid is in the index. */
    get lastRowId(): number {
      return lastRowId;
    },
    get size(): number {
      return byAddress.size;
    },
  };
}

export type DepositAddressIndex = ReturnType<typeof createDepositAddressIndex>;
