import {
  DEPOSIT_ADDRESS_PAGE_ROWS,
  type DepositAddressRow,
  loadDepositAddresses,
} from '../store/chain-state.ts';
import type { Store } from '../store/store.ts';
import { createAddressTable } from './address-table.ts';
import { MalformedDepositAddressError } from './errors.ts';

/** A Transfer's `to` topic: 32 bytes as 0x-prefixed hex, the address in its last 20. */
const TOPIC_LENGTH = 66;
const TOPIC_ADDRESS_OFFSET = TOPIC_LENGTH - 40;

/**
 * The chain's deposit addresses in memory, each mapped to its invoice's rowid, so matching a log
 * is one lookup of its `to` topic's last 40 hex characters. A table of typed arrays, not a Map of
 * strings: a million addresses in ~36 MB (see address-table.ts), within the watcher's RSS budget.
 * Logs may be matched while a refresh awaits its pages: they then see part of the new addresses,
 * which is what the index held at that moment (the scan that records them matches again).
 */
export function createDepositAddressIndex(store: Store, chainId: number) {
  const byAddress = createAddressTable();
  // Invariant: every invoice of the chain up to this rowid is in `byAddress`.
  let lastRowId = 0;
  return {
    /**
     * Loads the invoices after `fromRowId`, or after the last one held if that is lower (an
     * invoice loaded again keeps its entry), and returns those `needsCatchUp` selects (only
     * those: at start every invoice is new, and holding a million row objects would double RSS).
     */
    async refresh(
      fromRowId: number,
      needsCatchUp: (row: DepositAddressRow) => boolean,
    ): Promise<{ added: number; catchUp: DepositAddressRow[] }> {
      const catchUp: DepositAddressRow[] = [];
      let added = 0;
      let after = Math.min(fromRowId, lastRowId);
      for (;;) {
        const rows = await store.read(loadDepositAddresses, chainId, after);
        for (const row of rows) {
          if (!byAddress.set(row.depositAddress, 2, row.rowid))
            throw new MalformedDepositAddressError(row.rowid);
          if (needsCatchUp(row)) catchUp.push(row);
          after = row.rowid;
          lastRowId = Math.max(lastRowId, row.rowid);
        }
        added += rows.length;
        if (rows.length < DEPOSIT_ADDRESS_PAGE_ROWS) return { added, catchUp };
      }
    },
    /** The invoice rowid a Transfer's `to` topic pays, if it is one of ours. */
    matchToTopic(toTopic: string): number | undefined {
      return toTopic.length === TOPIC_LENGTH ? byAddress.get(toTopic, TOPIC_ADDRESS_OFFSET) : undefined;
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
