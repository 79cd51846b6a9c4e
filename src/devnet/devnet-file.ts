import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** `<data dir>/devnet.json`: what `stablegate dev` prints, for scripts and for its own restarts. */
export const DevnetFileSchema = z.object({
  apiUrl: z.string(),
  apiKey: z.string(),
  merchantId: z.string(),
  rpcUrl: z.string(),
  chainId: z.number().int(),
  databasePath: z.string(),
  tokens: z.array(
    z.object({
      symbol: z.string(),
      address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      decimals: z.number().int(),
    }),
  ),
  payers: z.array(z.object({ address: z.string(), privateKey: z.string() })),
  /** The demo merchant's payout (forwarder mode), where `stablegate sweep` moves its payments. */
  payoutAddress: z.string().optional(),
});
export type DevnetFile = z.infer<typeof DevnetFileSchema>;

export const devnetFilePath = (dataDir: string) => join(dataDir, 'devnet.json');

export function readDevnetFile(dataDir: string): DevnetFile | null {
  let text: string;
  try {
    text = readFileSync(devnetFilePath(dataDir), 'utf8');
  } catch {
    return null;
  }
  const parsed = DevnetFileSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Written to a temporary file and renamed: a reader never sees half a file. */
export function writeDevnetFile(dataDir: string, file: DevnetFile): void {
  const path = devnetFilePath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
