import type { BlockRef, TransferToRecord } from '../domain/chain.ts';
import { getInvoiceWatchStart } from '../store/chain-state.ts';
import type { Sql } from '../store/sql.ts';
import { isAfterCreation } from './is-after-creation.ts';
import type { RpcLog } from './rpc.ts';
import type { ScanContext } from './scan-context.ts';
import { matchTransferLogs, toTransferRecord } from './transfer-logs.ts';

type WatchStart = { id: string; watchFromBlock: number | null };

/**
 * Turns the logs that pay our deposit addresses into records, with their blocks' timestamps; null
 * if a log's block is not in `blocks` (it moved). The hot path of a backfill: one store read per
 * batch of matched logs, nothing per unmatched one.
 */
export async function toTransferRecords(
  ctx: Pick<ScanContext, 'store' | 'index' | 'tokenSet'>,
  logs: RpcLog[],
  blocks: Map<string, BlockRef>,
): Promise<TransferToRecord[] | null> {
  // Matched before the read: the index may grow while it is awaited (a catch-up's refresh), and
  // what this batch records is decided by the index as it was when its logs were matched.
  const matched = matchTransferLogs(logs, ctx.index, ctx.tokenSet);
  if (matched.length === 0) return [];
  const starts = await ctx.store.read(
    watchStartsOf,
    matched.map((match) => match.invoiceRowId),
  );
  const records: TransferToRecord[] = [];
  for (const { log: rpcLog, invoiceRowId } of matched) {
    const block = blocks.get(rpcLog.blockHash);
    if (!block) return null;
    const invoice = starts.get(invoiceRowId);
    if (!invoice || !isAfterCreation(invoice, block)) continue;
    const record = toTransferRecord(rpcLog, invoice.id, block.timestamp);
    if (record) records.push(record);
  }
  return records;
}

/** Each matched invoice's watch start, once per invoice, in one transaction. */
function* watchStartsOf(rowIds: readonly number[]): Sql<Map<number, WatchStart>> {
  const starts = new Map<number, WatchStart>();
  for (const rowId of new Set(rowIds)) {
    const start = yield* getInvoiceWatchStart(rowId);
    if (start) starts.set(rowId, start);
  }
  return starts;
}
