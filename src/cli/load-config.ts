import type { ChainConfig } from '../config/chains.ts';
import { type Config, type DatabaseLocation, databaseFromEnv, loadConfig } from '../config/env.ts';
import { CliError } from './cli-error.ts';

/** The environment, validated; every bad value is one line of the error. */
export function loadConfigOrExit(
  overrides: { chains?: ChainConfig[]; env?: Record<string, string | undefined> } = {},
): Config {
  // loadConfig reads process.env when no environment is given: only config/ reads it.
  const result = loadConfig(overrides.env, overrides.chains ? { chains: overrides.chains } : {});
  if (!result.ok) throw new CliError(['invalid configuration:', ...result.errors.map((line) => `  ${line}`)]);
  return result.config;
}

/** DATABASE_URL or DATABASE_PATH alone, validated, for the commands that need only the database. */
export function loadDatabaseLocationOrExit(): DatabaseLocation {
  const result = databaseFromEnv();
  if (!result.ok) throw new CliError(['invalid configuration:', ...result.errors.map((line) => `  ${line}`)]);
  return result.location;
}
