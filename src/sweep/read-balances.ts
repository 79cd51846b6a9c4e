import { type Address, erc20Abi, type PublicClient } from 'viem';

/**
 * ERC-20 balances of many addresses in few round trips: plain `balanceOf` eth_calls, joined into
 * JSON-RPC batches by a client whose transport batches (chain/client.ts createHttpClient). Not
 * Multicall3: anvil and many private chains do not have it deployed, and every node answers batches.
 */
export async function readBalances(
  client: PublicClient,
  owners: readonly Address[],
  tokens: readonly Address[],
): Promise<Map<Address, Map<Address, bigint>>> {
  const pairs = owners.flatMap((owner) => tokens.map((token) => ({ owner, token })));
  const result = new Map<Address, Map<Address, bigint>>(owners.map((owner) => [owner, new Map()]));
  // Chunks bound the requests in flight; each chunk leaves in JSON-RPC batches of the transport's size.
  const CHUNK = 500;
  for (let start = 0; start < pairs.length; start += CHUNK) {
    const chunk = pairs.slice(start, start + CHUNK);
    const amounts = await Promise.all(
      chunk.map(({ owner, token }) =>
        client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] }),
      ),
    );
    for (const [i, { owner, token }] of chunk.entries()) result.get(owner)?.set(token, amounts[i] ?? 0n);
  }
  return result;
}
