import { decodeEventLog, erc20Abi, getAddress, type Hex, toEventSelector } from 'viem';
import type { TransferToRecord } from '../domain/chain.ts';
import type { DepositAddressIndex } from './deposit-address-index.ts';
import type { RpcLog } from './rpc.ts';

export const TRANSFER_TOPIC: Hex = toEventSelector('Transfer(address,address,uint256)');

export type MatchedLog = { log: RpcLog; invoiceRowId: number };

/**
 * Picks the logs that pay one of our deposit addresses. ERC-20 Transfer has exactly three topics
 * (ERC-721's has four: the token id is indexed), and only configured token contracts count: the
 * node filtered by address already, and we check again so a misbehaving node cannot slip one in.
 */
export function matchTransferLogs(
  logs: readonly RpcLog[],
  index: DepositAddressIndex,
  tokens: ReadonlySet<string>,
): MatchedLog[] {
  const matched: MatchedLog[] = [];
  for (const log of logs) {
    if (log.topics.length !== 3 || log.topics[0] !== TRANSFER_TOPIC || log.removed) continue;
    const toTopic = log.topics[2];
    if (!toTopic) continue;
    const invoiceRowId = index.matchToTopic(toTopic);
    if (invoiceRowId === undefined || !tokens.has(log.address.toLowerCase())) continue;
    matched.push({ log, invoiceRowId });
  }
  return matched;
}

/** Decodes a matched log with viem's erc20Abi; zero-value transfers (address poisoning) are dropped. */
export function toTransferRecord(
  log: RpcLog,
  invoiceId: string,
  blockTimestamp: number,
): TransferToRecord | null {
  const decoded = decodeEventLog({
    abi: erc20Abi,
    eventName: 'Transfer',
    data: log.data,
    topics: log.topics as [Hex, ...Hex[]],
  });
  if (decoded.args.value === 0n) return null;
  return {
    invoiceId,
    tokenAddress: getAddress(log.address),
    txHash: log.transactionHash,
    logIndex: Number(BigInt(log.logIndex)),
    blockNumber: Number(BigInt(log.blockNumber)),
    blockHash: log.blockHash,
    blockTimestamp,
    from: getAddress(decoded.args.from),
    to: getAddress(decoded.args.to),
    amount: decoded.args.value,
  };
}
