import {
  type Address,
  createPublicClient,
  encodeFunctionData,
  erc20Abi,
  type Hash,
  type Hex,
  webSocket,
} from 'viem';

/** Raw JSON-RPC over fetch: the bench's own calls stay cheap and visible. */
export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export const hex = (value: number | bigint): Hex => `0x${value.toString(16)}`;

export async function blockNumber(url: string): Promise<number> {
  return Number(await rpc<Hex>(url, 'eth_blockNumber'));
}

export async function pendingNonce(url: string, account: Address): Promise<number> {
  return Number(await rpc<Hex>(url, 'eth_getTransactionCount', [account, 'pending']));
}

/** eth_sendTransaction from an account anvil has unlocked (anvil signs); returns the hash at once. */
export function sendTransaction(
  url: string,
  tx: { from: Address; to: Address; data: Hex; nonce: number; gas: number },
): Promise<Hash> {
  return rpc<Hash>(url, 'eth_sendTransaction', [
    { from: tx.from, to: tx.to, data: tx.data, nonce: hex(tx.nonce), gas: hex(tx.gas) },
  ]);
}

export const transferData = (to: Address, amount: bigint): Hex =>
  encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] });

export type Receipt = { blockNumber: Hex; status: Hex; transactionHash: Hash };

export async function receipt(url: string, hash: Hash): Promise<Receipt | null> {
  return rpc<Receipt | null>(url, 'eth_getTransactionReceipt', [hash]);
}

/** Waits for every receipt (polling), failing on a reverted one. */
export async function receipts(
  url: string,
  hashes: readonly Hash[],
  timeoutMs = 120_000,
): Promise<Receipt[]> {
  const deadline = Date.now() + timeoutMs;
  const found = new Map<Hash, Receipt>();
  while (found.size < hashes.length) {
    if (Date.now() > deadline)
      throw new Error(`${hashes.length - found.size} receipts missing after ${timeoutMs} ms`);
    const missing = hashes.filter((hash) => !found.has(hash));
    for (let i = 0; i < missing.length; i += 200) {
      const batch = await Promise.all(missing.slice(i, i + 200).map((hash) => receipt(url, hash)));
      for (const item of batch) if (item) found.set(item.transactionHash, item);
    }
    if (found.size < hashes.length) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return hashes.map((hash) => {
    const item = found.get(hash) as Receipt;
    if (item.status !== '0x1') throw new Error(`transaction ${hash} reverted`);
    return item;
  });
}

/**
 * Notes the moment each block becomes observable: the arrival of its `newHeads` notification on a
 * WebSocket subscription, the earliest a client can learn that a receipt in it exists.
 */
export function observeHeads(wsUrl: string) {
  const seenAt = new Map<number, number>();
  const client = createPublicClient({ transport: webSocket(wsUrl) });
  const unwatch = client.watchBlockNumber({
    emitMissed: true,
    emitOnBegin: false,
    onBlockNumber: (number) => {
      const n = Number(number);
      if (!seenAt.has(n)) seenAt.set(n, Date.now());
    },
  });
  return {
    seenAt: (number: number) => seenAt.get(number),
    /** Unsubscribes and closes the socket, so it does not try to reconnect to a stopped anvil. */
    stop: async () => {
      unwatch();
      const transport = client.transport as { getRpcClient?: () => Promise<{ close(): void }> };
      await transport
        .getRpcClient?.()
        .then((socket) => socket.close())
        .catch(() => undefined);
    },
  };
}
