import type { Chain, Hex } from 'viem';
import { numberToHex } from 'viem';

/** EIP-3085 `wallet_addEthereumChain` parameters, sent when a wallet answers 4902 to a switch. */
export type AddEthereumChainParameter = {
  chainId: Hex;
  chainName: string;
  nativeCurrency: { name: string; symbol: string; decimals: number };
  rpcUrls: string[];
  blockExplorerUrls?: string[];
};

export type WalletChainConfig = { chainId: number; name: string; rpcUrls: readonly string[] };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The operator's rpcUrls are secrets in general: hosted node URLs carry their API key in the path
 * (`/v2/<key>`) and a private node's host names the operator's network. It is given to payers only
 * when it points at the payer's own machine, which is the devnet case (anvil on 127.0.0.1).
 * Each of the chain's URLs is judged alone: a loopback one is offered, a hosted one never.
 */
function publishableRpcUrl(rpcUrl: string): string | null {
  try {
    const url = new URL(rpcUrl);
    if (url.username || url.password) return null;
    return LOOPBACK_HOSTS.has(url.hostname) ? rpcUrl : null;
  } catch {
    return null;
  }
}

/**
 * Builds the add-chain parameters for each configured chain: the public RPC and explorer that viem
 * ships for well-known chains, the loopback RPC of a devnet, or null when there is nothing safe to
 * offer (the page then asks the payer to add the network themselves). viem's chain list is large
 * (~0.5 s to import), so it is loaded once, lazily, not at startup.
 */
export function createWalletChainResolver() {
  let known: Promise<Chain[]> | undefined;
  const loadKnown = () => {
    known ??= import('viem/chains').then((chains) => Object.values(chains) as Chain[]);
    return known;
  };
  return async (chain: WalletChainConfig): Promise<AddEthereumChainParameter | null> => {
    const local = chain.rpcUrls.map(publishableRpcUrl).filter((url) => url !== null);
    const match = (await loadKnown()).find((candidate) => candidate.id === chain.chainId);
    const rpcUrls = local.length > 0 ? local : [...(match?.rpcUrls.default.http ?? [])];
    if (rpcUrls.length === 0) return null;
    const explorer = match?.blockExplorers?.default.url;
    return {
      chainId: numberToHex(chain.chainId),
      chainName: chain.name,
      nativeCurrency: match ? { ...match.nativeCurrency } : { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls,
      ...(explorer ? { blockExplorerUrls: [explorer] } : {}),
    };
  };
}
