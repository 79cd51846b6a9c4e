import { databasePathFromEnv } from '../../config/env.ts';
import { deriveDepositAddress } from '../../domain/deposit-address.ts';
import { checkXpub } from '../../domain/xpub.ts';
import { openDatabase } from '../../store/db.ts';
import { createMerchant, XpubInUseError } from '../../store/merchants.ts';
import { CliError } from '../cli-error.ts';
import { parseCommandArgs, runSubcommand, UsageExit } from '../parse-command-args.ts';
import { readStdin } from '../read-stdin.ts';

export const MERCHANT_USAGE = `Usage: stablegate merchant <subcommand>

Subcommands:
  create   register a merchant by its xpub and print its API key once

stablegate merchant create --help for its flags.`;

export const MERCHANT_CREATE_USAGE = `Usage: stablegate merchant create --name <name> --xpub <xpub|-> [options]

Registers a merchant in DATABASE_PATH and prints its API key once, with deposit address #0 to
compare with the first address your wallet shows for the account you exported.

Options:
  --name <name>     the shop's name (required)
  --xpub <xpub>     the account's extended public key, depth 4, e.g. of m/44'/60'/1'/0 (required);
                    "-" reads it from stdin, so it stays out of your shell history
  --allow-depth     accept an xpub whose depth is not 4
  --json            print { merchantId, apiKey, depositAddress0 } as JSON
  -h, --help        this help`;

/**
 * BIP-44 m / purpose' / coin_type' / account' / change is depth 4: its non-hardened child i is the
 * address wallets show at index i. Any other depth is almost always a wrong export (a master key
 * at depth 0, an account key at depth 3 whose children are change levels, not addresses).
 */
export const EXPECTED_XPUB_DEPTH = 4;

async function createCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(MERCHANT_CREATE_USAGE, args, {
    options: {
      name: { type: 'string' },
      xpub: { type: 'string' },
      'allow-depth': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const name = values.name?.trim();
  if (!name) throw new UsageExit(MERCHANT_CREATE_USAGE, '--name: required');
  if (!values.xpub)
    throw new UsageExit(MERCHANT_CREATE_USAGE, '--xpub: required (an xpub, or - to read it from stdin)');
  const input = values.xpub === '-' ? await readStdin('xpub: ') : values.xpub;
  // Refused inputs are never echoed: a pasted xprv or mnemonic must not land in a terminal log.
  const checked = checkXpub(input);
  if (!checked.ok) throw new CliError(`--xpub: refused: ${checked.reason}`);
  if (checked.depth !== EXPECTED_XPUB_DEPTH && !values['allow-depth'])
    throw new CliError(
      `--xpub: refused: depth ${checked.depth}, expected ${EXPECTED_XPUB_DEPTH} (an account key such as m/44'/60'/1'/0, whose children are the addresses); pass --allow-depth if this is intended`,
    );
  const depositAddress0 = deriveDepositAddress(checked.xpub, 0);
  const db = openDatabase(databasePathFromEnv());
  try {
    const { merchant, apiKey } = createMerchant(db, { name, xpub: checked.xpub });
    if (values.json) {
      console.log(JSON.stringify({ merchantId: merchant.id, apiKey, depositAddress0 }));
    } else {
      console.log(`merchant ${merchant.id} (${merchant.name}) created`);
      console.log(
        `deposit address #0: ${depositAddress0}  (your wallet shows it first for this account: compare)`,
      );
      console.log(`API key (shown once, store it now): ${apiKey}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof XpubInUseError) throw new CliError(`--xpub: ${error.message}`);
    throw error;
  } finally {
    db.close();
  }
}

/** `merchant create …`: prints the API key once. */
export function merchantCommand(args: string[]): Promise<number> {
  return runSubcommand(MERCHANT_USAGE, args, { create: createCommand });
}
