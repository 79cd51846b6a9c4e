import {
  DEPOSIT_ADDRESS_PAGE_ROWS,
  type DepositAddressRow,
  loadDepositAddresses,
} from '../store/chain-state.ts';
import type { Db } from '../store/db.ts';
import { createAddressTable } from './address-table.ts';
import { MalformedDepositAddressError } from './errors.ts';

/** A Transfer's `to` topic: 32 bytes as 0x-prefixed hex, the address in its last 20. */
const TOPIC_LENGTH = 66;
const TOPIC_ADDRESS_OFFSET = TOPIC_LENGTH - 40;

/**
 * The chain's deposit addresses in memory, each mapped to its invoice's rowid, so matching a log
 * is one lookup of its `to` topic's last 40 hex characters. A table of typed arrays, not a Map of
 * strings: a million addresses in ~36 MB (see address-table.ts), within the watcher's RSS budget.
 */
export function createDepositAddressIndex(db: Db, chainId: number) {
  const byAddress = createAddressTable();
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
          if (!byAddress.set(row.depositAddress, 2, row.rowid))
            throw new MalformedDepositAddressError(row.rowid);
          if (needsCatchUp(row)) catchUp.push(row);
          lastRowId = row.rowid;
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
