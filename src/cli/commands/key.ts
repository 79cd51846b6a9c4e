import { BaseError } from '../../domain/errors.ts';
import { type ApiKey, createApiKey, listApiKeys, revokeApiKey } from '../../store/api-keys.ts';
import { getMerchant } from '../../store/merchants.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/store.ts';
import { CliError } from '../cli-error.ts';
import { loadDatabaseLocationOrExit } from '../load-config.ts';
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

/** Opens the store of DATABASE_PATH for a merchant that must exist, and closes it after `run`. */
async function withMerchant(
  usage: string,
  merchant: string | undefined,
  run: (store: Store, merchantId: string) => Promise<void>,
): Promise<number> {
  const merchantId = merchant?.trim();
  if (!merchantId) throw new UsageExit(usage, '--merchant: required');
  const store = await openStore(loadDatabaseLocationOrExit());
  try {
    if (!(await store.read(getMerchant, merchantId)))
      throw new CliError(`--merchant: no merchant ${merchantId}`);
    await run(store, merchantId);
    return 0;
  } finally {
    await store.close();
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
      return withMerchant(KEY_CREATE_USAGE, values.merchant, (store, merchantId) =>
        create(store, merchantId, values.name?.trim() || null, values.json),
      );
    },
    list: async (rest) => {
      const { values } = parseCommandArgs(KEY_LIST_USAGE, rest, {
        options: { merchant: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      return withMerchant(KEY_LIST_USAGE, values.merchant, (store, merchantId) =>
        list(store, merchantId, values.json),
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
      return withMerchant(KEY_REVOKE_USAGE, values.merchant, (store, merchantId) =>
        revoke(store, merchantId, keyId),
      );
    },
  });
}

async function create(store: Store, merchantId: string, name: string | null, json: boolean): Promise<void> {
  const { apiKey, secret } = await store.write(createApiKey, { merchantId, name, now: new Date() });
  if (json) {
    console.log(JSON.stringify({ ...toJson(apiKey), merchantId, apiKey: secret }));
    return;
  }
  console.log(`API key ${apiKey.id}${name ? ` (${name})` : ''} created for merchant ${merchantId}`);
  console.log(`API key (shown once, store it now): ${secret}`);
}

async function list(store: Store, merchantId: string, json: boolean): Promise<void> {
  const keys = await store.read(listApiKeys, merchantId);
  if (json) {
    console.log(JSON.stringify({ data: keys.map(toJson) }));
    return;
  }
  for (const key of keys) {
    console.log([key.id, `${key.prefix}…`, key.createdAt.toISOString(), key.name ?? ''].join('  ').trimEnd());
  }
}

async function revoke(store: Store, merchantId: string, keyId: string): Promise<void> {
  try {
    await store.write(revokeApiKey, { merchantId, id: keyId, now: new Date() });
  } catch (error) {
    // Not found, or the merchant's last active key: a one-line answer, not a stack.
    if (error instanceof BaseError) throw new CliError(error.message);
    throw error;
  }
  console.log(`API key ${keyId} revoked`);
}
