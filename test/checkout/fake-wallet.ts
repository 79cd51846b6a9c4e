import type { Page } from 'playwright-core';
import type { Address, Hex } from 'viem';

export type WalletCall = { method: string; params: unknown[] };

export type FakeWalletOptions = {
  /** The anvil JSON-RPC endpoint that signs for unlocked accounts and answers reads. */
  rpcUrl: string;
  account: Address;
  /** The chain the wallet starts on; it knows no other until asked to add it (EIP-3085). */
  startChainId?: Hex;
  /** Answer eth_sendTransaction with EIP-1193 4001, as a user pressing "Reject" would. */
  rejectTransactions?: boolean;
};

type RpcAnswer = { result: unknown } | { error: { code: number; message: string } };

/**
 * An EIP-1193 provider for the page: `window.ethereum.request` hands each call to Node through
 * `page.exposeFunction`, where this wallet answers chain switching itself and forwards the rest to
 * anvil. The browser therefore only ever talks to the gateway, as its CSP demands.
 */
export async function installFakeWallet(page: Page, options: FakeWalletOptions) {
  const calls: WalletCall[] = [];
  const known = new Set<string>([options.startChainId ?? '0x1']);
  let current: string = options.startChainId ?? '0x1';
  let rpcId = 0;

  const forward = async (method: string, params: unknown[]): Promise<RpcAnswer> => {
    const response = await fetch(options.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    });
    const body = (await response.json()) as RpcAnswer;
    return 'error' in body ? { error: body.error } : { result: body.result };
  };

  const handle = async (method: string, params: unknown[]): Promise<RpcAnswer> => {
    const chainParam = (params[0] as { chainId?: string } | undefined)?.chainId?.toLowerCase();
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return { result: [options.account] };
      case 'eth_chainId':
        return { result: current };
      case 'wallet_switchEthereumChain':
        if (!chainParam || !known.has(chainParam)) {
          return { error: { code: 4902, message: `Unrecognized chain ID ${chainParam}` } };
        }
        current = chainParam;
        return { result: null };
      case 'wallet_addEthereumChain':
        if (chainParam) known.add(chainParam);
        return { result: null };
      case 'eth_sendTransaction':
        if (options.rejectTransactions)
          return { error: { code: 4001, message: 'User rejected the request.' } };
        return forward(method, params);
      default:
        return forward(method, params);
    }
  };

  await page.exposeFunction('__stablegateTestWallet', async (json: string) => {
    const { method, params } = JSON.parse(json) as WalletCall;
    calls.push({ method, params });
    return JSON.stringify(await handle(method, params));
  });
  await page.addInitScript(() => {
    const page = window as unknown as {
      ethereum: unknown;
      __stablegateTestWallet(json: string): Promise<string>;
    };
    page.ethereum = {
      async request({ method, params }: { method: string; params?: unknown[] }) {
        const json = JSON.stringify({ method, params: params ?? [] });
        const answer = JSON.parse(await page.__stablegateTestWallet(json));
        if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      },
    };
  });
  return { calls };
}
