import { getAddress, isAddress, zeroAddress } from 'viem';
import { deriveDepositAddress } from '../../domain/deposit-address.ts';
import { forwarderAddress, forwarderSalt } from '../../domain/forwarder-address.ts';
import { checkXpub } from '../../domain/xpub.ts';
import { createMerchant, type MerchantDeposits, XpubInUseError } from '../../store/merchants.ts';
import { openStore } from '../../store/open-store.ts';
import { CliError } from '../cli-error.ts';
import { loadDatabaseLocationOrExit } from '../load-config.ts';
import { parseCommandArgs, runSubcommand, UsageExit } from '../parse-command-args.ts';
import { readStdin } from '../read-stdin.ts';

export const MERCHANT_USAGE = `Usage: stablegate merchant <subcommand>

Subcommands:
  create   register a merchant (a payout address or an xpub) and print its API key once

stablegate merchant create --help for its flags.`;

export const MERCHANT_CREATE_USAGE = `Usage: stablegate merchant create --name <name> (--payout <0x…> | --xpub <xpub|->) [options]

Registers a merchant in DATABASE_PATH and prints its API key once, with deposit address #0.

Deposit modes (README "Merchants"):
  --payout <0x…>    forwarder mode: invoice i pays a forwarder contract that can only send to
                    this address; sweeps move the money there (stablegate sweep). No xpub needed.
  --xpub <xpub>     xpub mode: invoice i pays child i of the account's extended public key, depth
                    4, e.g. of m/44'/60'/1'/0; "-" reads it from stdin, out of your shell history.
                    Compare deposit address #0 with the first address your wallet shows.

Options:
  --name <name>     the shop's name (required)
  --allow-depth     accept an xpub whose depth is not 4
  --json            print { merchantId, apiKey, depositMode, depositAddress0 } as JSON
  -h, --help        this help`;

/**
 * BIP-44 m / purpose' / coin_type' / account' / change is depth 4: its non-hardened child i is the
 * address wallets show at index i. Any other depth is almost always a wrong export (a master key
 * at depth 0, an account key at depth 3 whose children are change levels, not addresses).
 */
export const EXPECTED_XPUB_DEPTH = 4;

/** The deposits of the new merchant, from --payout or --xpub (exactly one of them). */
async function readDeposits(values: {
  payout?: string | undefined;
  xpub?: string | undefined;
  'allow-depth'?: boolean | undefined;
}): Promise<MerchantDeposits> {
  if (values.payout !== undefined && values.xpub !== undefined)
    throw new UsageExit(MERCHANT_CREATE_USAGE, '--payout and --xpub: give one, not both');
  if (values.payout !== undefined) {
    if (!isAddress(values.payout, { strict: false }))
      throw new UsageExit(
        MERCHANT_CREATE_USAGE,
        `--payout: not a 0x-prefixed 20-byte address: "${values.payout}"`,
      );
    const payout = getAddress(values.payout);
    if (payout === zeroAddress)
      throw new UsageExit(MERCHANT_CREATE_USAGE, '--payout: the zero address burns funds');
    return { payout };
  }
  if (!values.xpub)
    throw new UsageExit(
      MERCHANT_CREATE_USAGE,
      '--payout or --xpub: required (a payout address, or an xpub, or - to read the xpub from stdin)',
    );
  const input = values.xpub === '-' ? await readStdin('xpub: ') : values.xpub;
  // Refused inputs are never echoed: a pasted xprv or mnemonic must not land in a terminal log.
  const checked = checkXpub(input);
  if (!checked.ok) throw new CliError(`--xpub: refused: ${checked.reason}`);
  if (checked.depth !== EXPECTED_XPUB_DEPTH && !values['allow-depth'])
    throw new CliError(
      `--xpub: refused: depth ${checked.depth}, expected ${EXPECTED_XPUB_DEPTH} (an account key such as m/44'/60'/1'/0, whose children are the addresses); pass --allow-depth if this is intended`,
    );
  return { xpub: checked.xpub };
}

async function createCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(MERCHANT_CREATE_USAGE, args, {
    options: {
      name: { type: 'string' },
      payout: { type: 'string' },
      xpub: { type: 'string' },
      'allow-depth': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const name = values.name?.trim();
  if (!name) throw new UsageExit(MERCHANT_CREATE_USAGE, '--name: required');
  const deposits = await readDeposits(values);
  const store = await openStore(loadDatabaseLocationOrExit());
  try {
    const { merchant, apiKey } = await store.write(createMerchant, { name, ...deposits });
    const depositMode = 'xpub' in deposits ? 'xpub' : 'forwarder';
    const depositAddress0 =
      'xpub' in deposits
        ? deriveDepositAddress(deposits.xpub, 0)
        : forwarderAddress(deposits.payout, forwarderSalt(merchant.id, 0));
    if (values.json) {
      console.log(JSON.stringify({ merchantId: merchant.id, apiKey, depositMode, depositAddress0 }));
    } else {
      console.log(`merchant ${merchant.id} (${merchant.name}) created, ${depositMode} mode`);
      console.log(
        'xpub' in deposits
          ? `deposit address #0: ${depositAddress0}  (your wallet shows it first for this account: compare)`
          : `deposit address #0: ${depositAddress0}  (a forwarder that can only pay ${deposits.payout})`,
      );
      console.log(`API key (shown once, store it now): ${apiKey}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof XpubInUseError) throw new CliError(`--xpub: ${error.message}`);
    throw error;
  } finally {
    await store.close();
  }
}

/** `merchant create …`: prints the API key once. */
export function merchantCommand(args: string[]): Promise<number> {
  return runSubcommand(MERCHANT_USAGE, args, { create: createCommand });
}
