import { databasePathFromEnv } from '../../config/env.ts';
import { BaseError } from '../../domain/errors.ts';
import { type ApiKey, createApiKey, listApiKeys, revokeApiKey } from '../../store/api-keys.ts';
import { type Db, openDatabase } from '../../store/db.ts';
import { getMerchant } from '../../store/merchants.ts';
import { CliError } from '../cli-error.ts';
import { parseCommandArgs, runSubcommand, UsageExit } from '../parse-command-args.ts';

export const KEY_USAGE = `Usage: stablegate key <subcommand>

Subcommands:
  create   make an API key for a merchant and print it once
  list     list a merchant's active API keys (never the keys themselves)
  revoke   revoke one of a merchant's API keys (refused for its last active key)

stablegate key <subcommand> --help for its flags.`;

export const KEY_CREATE_USAGE = `Usage: stablegate key create --merchant <id> [--name <name>] [--json]

Makes a new API key for the merchant in DATABASE_PATH and prints it once; only its hash is kept.

Options:
  --merchant <id>   the merchant (mch_…) (required)
  --name <name>     a label to tell keys apart in listings
  --json            print { id, name, prefix, createdAt, merchantId, apiKey } as JSON
  -h, --help        this help`;

export const KEY_LIST_USAGE = `Usage: stablegate key list --merchant <id> [--json]

Lists the merchant's active API keys: id, prefix, creation time and name.

Options:
  --merchant <id>   the merchant (mch_…) (required)
  --json            print { data: [...] } as JSON
  -h, --help        this help`;

export const KEY_REVOKE_USAGE = `Usage: stablegate key revoke <keyId> --merchant <id>

Revokes the key: it is refused (401) from its next request on. A merchant's last active key
cannot be revoked; create another first.

Options:
  --merchant <id>   the merchant (mch_…) (required)
  -h, --help        this help`;

const toJson = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  createdAt: key.createdAt.toISOString(),
});

/** Opens the database of DATABASE_PATH for a merchant that must exist, and closes it after `run`. */
function withMerchant(
  usage: string,
  merchant: string | undefined,
  run: (db: Db, merchantId: string) => void,
) {
  const merchantId = merchant?.trim();
  if (!merchantId) throw new UsageExit(usage, '--merchant: required');
  const db = openDatabase(databasePathFromEnv());
  try {
    if (!getMerchant(db, merchantId)) throw new CliError(`--merchant: no merchant ${merchantId}`);
    run(db, merchantId);
    return 0;
  } finally {
    db.close();
  }
}

/**
 * `key create|list|revoke --merchant <id>`: a merchant's API keys, on the database of
 * DATABASE_PATH. A created key is printed once; only its hash is stored.
 */
export function keyCommand(args: string[]): Promise<number> {
  return runSubcommand(KEY_USAGE, args, {
    create: async (rest) => {
      const { values } = parseCommandArgs(KEY_CREATE_USAGE, rest, {
        options: {
          merchant: { type: 'string' },
          name: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      });
      return withMerchant(KEY_CREATE_USAGE, values.merchant, (db, merchantId) =>
        create(db, merchantId, values.name?.trim() || null, values.json),
      );
    },
    list: async (rest) => {
      const { values } = parseCommandArgs(KEY_LIST_USAGE, rest, {
        options: { merchant: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      return withMerchant(KEY_LIST_USAGE, values.merchant, (db, merchantId) =>
        list(db, merchantId, values.json),
      );
    },
    revoke: async (rest) => {
      const { values, positionals } = parseCommandArgs(KEY_REVOKE_USAGE, rest, {
        allowPositionals: true,
        options: { merchant: { type: 'string' } },
      });
      const [keyId, ...extra] = positionals;
      if (!keyId) throw new UsageExit(KEY_REVOKE_USAGE, '<keyId>: required');
      if (extra.length > 0) throw new UsageExit(KEY_REVOKE_USAGE, `unexpected argument "${extra[0]}"`);
      return withMerchant(KEY_REVOKE_USAGE, values.merchant, (db, merchantId) =>
        revoke(db, merchantId, keyId),
      );
    },
  });
}

function create(db: Db, merchantId: string, name: string | null, json: boolean): void {
  const { apiKey, secret } = createApiKey(db, { merchantId, name, now: new Date() });
  if (json) {
    console.log(JSON.stringify({ ...toJson(apiKey), merchantId, apiKey: secret }));
    return;
  }
  console.log(`API key ${apiKey.id}${name ? ` (${name})` : ''} created for merchant ${merchantId}`);
  console.log(`API key (shown once, store it now): ${secret}`);
}

function list(db: Db, merchantId: string, json: boolean): void {
  const keys = listApiKeys(db, merchantId);
  if (json) {
    console.log(JSON.stringify({ data: keys.map(toJson) }));
    return;
  }
  for (const key of keys) {
    console.log([key.id, `${key.prefix}…`, key.createdAt.toISOString(), key.name ?? ''].join('  ').trimEnd());
  }
}

function revoke(db: Db, merchantId: string, keyId: string): void {
  try {
    revokeApiKey(db, { merchantId, id: keyId, now: new Date() });
  } catch (error) {
    // Not found, or the merchant's last active key: a one-line answer, not a stack.
    if (error instanceof BaseError) throw new CliError(error.message);
    throw error;
  }
  console.log(`API key ${keyId} revoked`);
}
