import { readFileSync } from 'node:fs';
import { getAddress, isAddress } from 'viem';
import { z } from 'zod';

const AddressSchema = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'must be a 0x-prefixed 20-byte hex address')
  .transform((value) => getAddress(value));

export const TokenConfigSchema = z.object({
  symbol: z.string().regex(/^[A-Za-z0-9.]{1,16}$/, 'must be 1-16 letters, digits or dots'),
  address: AddressSchema,
  decimals: z.number().int().min(0).max(36),
});
export type TokenConfig = z.infer<typeof TokenConfigSchema>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A block explorer's base URL; a payment links to `<explorerUrl>/tx/<hash>`. https, or http for a
 * loopback explorer (a local Otterscan next to anvil, say). Stored without a trailing slash.
 */
const ExplorerUrlSchema = z
  .url({ protocol: /^https?$/ })
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
  }, 'must be an https URL (http only for a loopback host)')
  .transform((value) => value.replace(/\/+$/, ''));

export const ChainConfigSchema = z
  .object({
    chainId: z.number().int().positive(),
    name: z.string().min(1),
    rpcUrl: z.url({ protocol: /^https?$/ }),
    wsUrl: z.url({ protocol: /^wss?$/ }).optional(),
    confirmations: z.number().int().min(1).max(1000),
    /** How often to poll for a new head when there is no wsUrl. */
    pollIntervalMs: z.number().int().min(50).max(60_000).default(1000),
    /** Where a watcher with no cursor starts; default: the head at its first start. */
    startBlock: z.number().int().min(0).optional(),
    tokens: z.array(TokenConfigSchema).min(1),
    explorerUrl: ExplorerUrlSchema.optional(),
    /** A chain whose tokens are worth nothing (a devnet, a testnet): the checkout shows a badge. */
    testnet: z.boolean().optional(),
    /**
     * The sweep policy of `stablegate work` (README "Sweeps"): every `intervalSeconds`, sweep the
     * forwarder deposit addresses holding at least `minAmount` (token units) of a token, in
     * transactions of at most `maxBlockGasPercent` of the block gas limit. Absent: no automatic
     * sweeps on this chain (`stablegate sweep` still works).
     */
    sweep: z
      .strictObject({
        minAmount: z
          .string()
          .regex(/^\d+(\.\d+)?$/, 'must be a decimal in token units, e.g. "10" or "0.5"')
          .optional(),
        intervalSeconds: z
          .number()
          .int()
          .min(1)
          .max(30 * 86_400)
          .default(3600),
        maxBlockGasPercent: z.number().int().min(1).max(90).default(50),
      })
      .optional(),
  })
  .superRefine((chain, ctx) => {
    const seen = new Set<string>();
    for (const [i, token] of chain.tokens.entries()) {
      for (const key of [token.symbol.toUpperCase(), token.address]) {
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: ['tokens', i], message: `duplicate token ${key}` });
        seen.add(key);
      }
    }
  });
export type ChainConfig = z.infer<typeof ChainConfigSchema>;

export const ChainsFileSchema = z
  .object({ chains: z.array(ChainConfigSchema).min(1) })
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
