import { parseArgs } from 'node:util';
import { databasePathFromEnv } from '../../config/env.ts';
import { checkXpub } from '../../domain/xpub.ts';
import { openDatabase } from '../../store/db.ts';
import { createMerchant, XpubInUseError } from '../../store/merchants.ts';
import { CliError } from '../cli-error.ts';

/** `merchant create --name <n> --xpub <xpub> [--json]`: prints the API key once. */
export async function merchantCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      xpub: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals[0] !== 'create')
    throw new CliError('usage: stablegate merchant create --name <n> --xpub <xpub> [--json]');
  const name = values.name?.trim();
  if (!name) throw new CliError('--name: required');
  if (!values.xpub)
    throw new CliError("--xpub: required (the account-level extended public key, e.g. of m/44'/60'/0'/0)");
  // Refused inputs are never echoed: a pasted xprv or mnemonic must not land in a terminal log.
  const checked = checkXpub(values.xpub);
  if (!checked.ok) throw new CliError(`--xpub: refused: ${checked.reason}`);
  const db = openDatabase(databasePathFromEnv());
  try {
    const { merchant, apiKey } = createMerchant(db, { name, xpub: checked.xpub });
    if (values.json) {
      console.log(JSON.stringify({ merchantId: merchant.id, apiKey }));
    } else {
      console.log(`merchant ${merchant.id} (${merchant.name}) created`);
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
