import type { BlockRef, TransferToRecord } from '../domain/chain.ts';
import { getInvoiceWatchStart } from '../store/chain-state.ts';
import { isAfterCreation } from './is-after-creation.ts';
import type { RpcLog } from './rpc.ts';
import type { ScanContext } from './scan-context.ts';
import { matchTransferLogs, toTransferRecord } from './transfer-logs.ts';

/**
 * Turns the logs that pay our deposit addresses into records, with their blocks' timestamps; null
 * if a log's block is not in `blocks` (it moved). The hot path of a backfill: one store lookup per
 * matched log, nothing per unmatched one.
 */
export function toTransferRecords(
  ctx: Pick<ScanContext, 'db' | 'index' | 'tokenSet'>,
  logs: RpcLog[],
  blocks: Map<string, BlockRef>,
): TransferToRecord[] | null {
  const records: TransferToRecord[] = [];
  for (const { log: rpcLog, invoiceRowId } of matchTransferLogs(logs, ctx.index, ctx.tokenSet)) {
    const block = blocks.get(rpcLog.blockHash);
    if (!block) return null;
    const invoice = getInvoiceWatchStart(ctx.db, invoiceRowId);
    if (!invoice || !isAfterCreation(invoice, block)) continue;
    const record = toTransferRecord(rpcLog, invoice.id, block.timestamp);
    if (record) records.push(record);
  }
  return records;
}
