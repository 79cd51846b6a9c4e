import { parseArgs } from 'node:util';
import { databasePathFromEnv } from '../../config/env.ts';
import { BaseError } from '../../domain/errors.ts';
import { type ApiKey, createApiKey, listApiKeys, revokeApiKey } from '../../store/api-keys.ts';
import { type Db, openDatabase } from '../../store/db.ts';
import { getMerchant } from '../../store/merchants.ts';
import { CliError } from '../cli-error.ts';

const USAGE = [
  'usage: stablegate key create --merchant <id> [--name <n>] [--json]',
  '       stablegate key list --merchant <id> [--json]',
  '       stablegate key revoke <keyId> --merchant <id>',
];

const toJson = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  createdAt: key.createdAt.toISOString(),
});

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        merchant: { type: 'string' },
        name: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    // node:util names the bad flag (ERR_PARSE_ARGS_UNKNOWN_OPTION, ..._INVALID_OPTION_VALUE).
    throw new CliError([(error as Error).message, ...USAGE]);
  }
}

/**
 * `key create|list|revoke --merchant <id>`: a merchant's API keys, on the database of
 * DATABASE_PATH. A created key is printed once; only its hash is stored.
 */
export async function keyCommand(args: string[]): Promise<number> {
  const { positionals, values } = parse(args);
  const [action, keyId, ...extra] = positionals;
  if (!action || !['create', 'list', 'revoke'].includes(action) || extra.length > 0)
    throw new CliError(USAGE);
  if (action === 'revoke' ? !keyId : keyId !== undefined) throw new CliError(USAGE);
  const merchantId = values.merchant?.trim();
  if (!merchantId) throw new CliError(['--merchant: required', ...USAGE]);
  const db = openDatabase(databasePathFromEnv());
  try {
    if (!getMerchant(db, merchantId)) throw new CliError(`--merchant: no merchant ${merchantId}`);
    if (action === 'create') create(db, merchantId, values.name?.trim() || null, values.json);
    else if (action === 'list') list(db, merchantId, values.json);
    else revoke(db, merchantId, keyId ?? '');
    return 0;
  } finally {
    db.close();
  }
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
