import { readFileSync } from 'node:fs';
import { getAddress, isAddress } from 'viem';
import { z } from 'zod';
import { FINALITY_TAGS } from '../domain/chain.ts';
import { parseAmount } from '../domain/money.ts';

/** The message for a value of the wrong type, or `required` when the field is missing. */
const expecting = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : message),
});

/** A whole number in [min, max], with the messages env.ts gives its counts. */
const whole = (min: number, max: number) =>
  z
    .number(expecting('must be a number'))
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/**
 * An address as EIP-55 allows it: all lowercase (no checksum), or mixed case whose checksum holds.
 * A mixed-case address with a wrong checksum is a typo, and getAddress would silently turn it into
 * another address, so it is refused. Stored in its EIP-55 form.
 */
const AddressSchema = z
  .string(expecting('must be a string'))
  .superRefine((value, ctx) => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a 0x-prefixed 20-byte hex address' });
    } else if (!isAddress(value, { strict: true })) {
      ctx.addIssue({ code: 'custom', message: 'fails its EIP-55 checksum: a mistyped character?' });
    }
  })
  .transform((value) => getAddress(value));

/**
 * Strict: a misspelt optional key (`pollIntervalMS`) is an error, not a silently used default.
 * `source` is checked, then dropped: it documents the file, and nothing the gateway serves shows it.
 */
export const TokenConfigSchema = z
  .strictObject({
    symbol: z
      .string(expecting('must be a string'))
      .regex(/^[A-Za-z0-9.]{1,16}$/, 'must be 1-16 letters, digits or dots'),
    address: AddressSchema,
    decimals: whole(0, 36),
    /**
     * Where the address comes from: the issuer's page that lists it (every token of the presets in
     * config/chains/ cites one). For the people who check the file; the gateway does not read it.
     */
    source: z.url({ protocol: /^https$/, message: 'must be an https URL' }).optional(),
  })
  .transform(({ source: _source, ...token }) => token);
export type TokenConfig = z.infer<typeof TokenConfigSchema>;

const EXPLORER_URL_MESSAGE = 'must be an https URL (http only for a loopback host)';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A block explorer's base URL; a payment links to `<explorerUrl>/tx/<hash>`. https, or http for a
 * loopback explorer (a local Otterscan next to anvil, say). Stored without a trailing slash.
 */
const ExplorerUrlSchema = z
  .url({ protocol: /^https?$/, message: EXPLORER_URL_MESSAGE })
  .refine((value) => {
    // zod runs this refine after a failed URL check too: that value has its line already.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
  }, EXPLORER_URL_MESSAGE)
  .transform((value) => value.replace(/\/+$/, ''));

const RpcUrlSchema = z.url({ protocol: /^https?$/, ...expecting('must be an http:// or https:// URL') });
const WsUrlSchema = z.url({ protocol: /^wss?$/, ...expecting('must be a ws:// or wss:// URL') });

/** The defaults of a chain's provider settings, for code that builds a ChainConfig itself. */
export const RPC_DEFAULTS = { maxProviderLagBlocks: 5, rpcTimeoutMs: 10_000 } as const;
/**
 * A count of blocks, or the node's `safe` / `finalized` block tag (domain/chain.ts). A count out of
 * range keeps its own message; anything else (a float, another tag, a string "3") gets the one line.
 */
const ConfirmationsSchema = z.union(
  [whole(1, 1000), z.enum(FINALITY_TAGS)],
  expecting('must be a whole number of blocks (1-1000), "safe" or "finalized"'),
);

const MIN_AMOUNT = /^\d+(\.\d+)?$/;
const MIN_AMOUNT_MESSAGE = 'must be a decimal string in token units, e.g. "10" or "0.5"';

export const ChainConfigSchema = z
  .strictObject({
    chainId: whole(1, Number.MAX_SAFE_INTEGER),
    name: z.string(expecting('must be a string')).trim().min(1, 'must not be empty'),
    /** One JSON-RPC endpoint; `rpcUrls` lists several (README "Several RPC providers"). */
    rpcUrl: RpcUrlSchema.optional(),
    /** The chain's JSON-RPC endpoints in order of preference: requests fail over between them. */
    rpcUrls: z
      .array(RpcUrlSchema, expecting('must be a list of http:// or https:// URLs'))
      .min(1, 'must list at least one URL')
      .optional(),
    wsUrl: WsUrlSchema.optional(),
    /** newHeads subscriptions, in order: the next one is used when the current one fails. */
    wsUrls: z.array(WsUrlSchema, expecting('must be a list of ws:// or wss:// URLs')).optional(),
    /** A provider whose head is further behind the best provider's is not used for heads. */
    maxProviderLagBlocks: whole(1, 10_000).default(RPC_DEFAULTS.maxProviderLagBlocks),
    /** How long one request may take on one provider before the next is tried. */
    rpcTimeoutMs: whole(100, 120_000).default(RPC_DEFAULTS.rpcTimeoutMs),
    confirmations: ConfirmationsSchema,
    /** How often to poll for a new head when there is no wsUrl. */
    pollIntervalMs: whole(50, 60_000).default(1000),
    /**
     * The chain's block time, for a chain whose clock cannot be learnt from its headers: faster
     * than a block per second (their timestamps have whole seconds). Default: learnt
     * (chain/block-clock.ts), none for a chain that makes blocks on demand.
     */
    blockTimeMs: whole(10, 3_600_000).optional(),
    /** How long the head may stand still before the chain is not ready; default 10 block times. */
    staleAfterMs: whole(1000, 86_400_000).optional(),
    /** Where a watcher with no cursor starts; default: the head at its first start. */
    startBlock: whole(0, Number.MAX_SAFE_INTEGER).optional(),
    tokens: z
      .array(TokenConfigSchema, expecting('must be a list of tokens'))
      .min(1, 'must list at least one token'),
    explorerUrl: ExplorerUrlSchema.optional(),
    /** A chain whose tokens are worth nothing (a devnet, a testnet): the checkout shows a badge. */
    testnet: z.boolean({ message: 'must be true or false' }).optional(),
    /**
     * The sweep policy of `stablegate work` (README "Sweeps"): every `intervalSeconds`, sweep the
     * forwarder deposit addresses holding at least `minAmount` (token units) of a token, in
     * transactions of at most `maxBlockGasPercent` of the block gas limit. Absent: no automatic
     * sweeps on this chain (`stablegate sweep` still works).
     */
    sweep: z
      .strictObject({
        minAmount: z.string({ message: MIN_AMOUNT_MESSAGE }).regex(MIN_AMOUNT, MIN_AMOUNT_MESSAGE).optional(),
        intervalSeconds: whole(1, 30 * 86_400).default(3600),
        maxBlockGasPercent: whole(1, 90).default(50),
      })
      .optional(),
  })
  .superRefine((chain, ctx) => {
    providerUrlIssues(chain, ctx);
    const seen = new Set<string>();
    for (const [i, token] of chain.tokens.entries()) {
      for (const key of [token.symbol.toUpperCase(), token.address]) {
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: ['tokens', i], message: `duplicate token ${key}` });
        seen.add(key);
      }
    }
    if (
      chain.staleAfterMs !== undefined &&
      chain.blockTimeMs !== undefined &&
      chain.staleAfterMs <= chain.blockTimeMs
    ) {
      ctx.addIssue({ code: 'custom', path: ['staleAfterMs'], message: 'must be longer than blockTimeMs' });
    }
    // The sweep converts minAmount to each token's base units (sweep/plan-chain-sweeps.ts): a value
    // one of them cannot hold exactly would fail every sweep pass, so it fails the start instead.
    const minAmount = chain.sweep?.minAmount;
    if (minAmount === undefined || !MIN_AMOUNT.test(minAmount)) return;
    for (const token of chain.tokens) {
      const parsed = parseAmount(minAmount, token.decimals);
      if (parsed.ok) continue;
      const message =
        parsed.error === 'too_many_decimals'
          ? `${parsed.message}: ${token.symbol} has ${token.decimals}`
          : parsed.message;
      ctx.addIssue({ code: 'custom', path: ['sweep', 'minAmount'], message });
      return;
    }
  })
  // One shape for the code: the lists, whichever form the file used.
  .transform(({ rpcUrl, rpcUrls, wsUrl, wsUrls, ...chain }) => ({
    ...chain,
    rpcUrls: rpcUrls ?? (rpcUrl ? [rpcUrl] : []),
    wsUrls: wsUrls ?? (wsUrl ? [wsUrl] : []),
  }));
export type ChainConfig = z.infer<typeof ChainConfigSchema>;

/**
 * `rpcUrl` or `rpcUrls`, never both: with both, which one comes first (and is preferred) would be
 * a guess. The same for `wsUrl` and `wsUrls`. A URL listed twice would count one provider twice.
 */
function providerUrlIssues(
  chain: {
    rpcUrl?: string | undefined;
    rpcUrls?: string[] | undefined;
    wsUrl?: string | undefined;
    wsUrls?: string[] | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  const pairs = [
    ['rpcUrl', 'rpcUrls', chain.rpcUrl, chain.rpcUrls],
    ['wsUrl', 'wsUrls', chain.wsUrl, chain.wsUrls],
  ] as const;
  for (const [one, many, single, list] of pairs) {
    if (single !== undefined && list !== undefined)
      ctx.addIssue({ code: 'custom', path: [many], message: `give ${one} or ${many}, not both` });
    for (const [i, url] of (list ?? []).entries())
      if (list?.indexOf(url) !== i)
        ctx.addIssue({ code: 'custom', path: [many, i], message: 'duplicate URL' });
  }
  if (chain.rpcUrl === undefined && chain.rpcUrls === undefined)
    ctx.addIssue({ code: 'custom', path: ['rpcUrls'], message: 'required (or one URL as rpcUrl)' });
}

export const ChainsFileSchema = z
  .object({
    chains: z
      .array(ChainConfigSchema, expecting('must be a list of chains'))
      .min(1, 'must list at least one chain'),
  })
  .superRefine((file, ctx) => {
    const ids = new Set<number>();
    for (const [i, chain] of file.chains.entries()) {
      if (ids.has(chain.chainId)) {
        ctx.addIssue({ code: 'custom', path: ['chains', i, 'chainId'], message: 'duplicate chainId' });
      }
      ids.add(chain.chainId);
    }
  });
export type ChainsFile = z.infer<typeof ChainsFileSchema>;

export function readChainsFile(
  path: string,
): { ok: true; chains: ChainConfig[] } | { ok: false; errors: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { ok: false, errors: [`STABLEGATE_CONFIG: cannot read ${path}: ${(error as Error).message}`] };
  }
  const parsed = ChainsFileSchema.safeParse(raw);
  if (parsed.success) return { ok: true, chains: parsed.data.chains };
  return {
    ok: false,
    errors: parsed.error.issues.map(
      (issue) => `STABLEGATE_CONFIG ${path}: ${issue.path.join('.')}: ${issue.message}`,
    ),
  };
}
