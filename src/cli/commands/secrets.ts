import { loadSecretBox } from '../../runtime/secret-key.ts';
import { openStore } from '../../store/open-store.ts';
import { resealSecrets } from '../../store/reseal-secrets.ts';
import { SecretBoxError } from '../../store/secret-box.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { parseCommandArgs, runSubcommand } from '../parse-command-args.ts';

export const SECRETS_USAGE = `Usage: stablegate secrets <subcommand>

Subcommands:
  reseal   seal every stored webhook secret with the current STABLEGATE_SECRET_KEY

stablegate secrets reseal --help for how to rotate the key.`;

export const SECRETS_RESEAL_USAGE = `Usage: stablegate secrets reseal

The last step of rotating the key that seals webhook secrets (docs/security.md):
  1. run every process with STABLEGATE_SECRET_KEY=<new key> and
     STABLEGATE_PREVIOUS_SECRET_KEY=<old key> (what the old key sealed still opens);
  2. run this command once, with the same two variables and DATABASE_PATH;
  3. remove STABLEGATE_PREVIOUS_SECRET_KEY everywhere.
Without STABLEGATE_SECRET_KEY, the key is the <DATABASE_PATH>.key file. No flags.`;

/** `secrets reseal`: one transaction, all or nothing; prints how many endpoints it resealed. */
export function secretsCommand(args: string[]): Promise<number> {
  return runSubcommand(SECRETS_USAGE, args, {
    reseal: async (rest) => {
      parseCommandArgs(SECRETS_RESEAL_USAGE, rest, {});
      // The chains file plays no part here: a rotation must not depend on it being valid.
      const config = loadConfigOrExit({ chains: [] });
      const secrets = loadSecretBox(config);
      const store = await openStore(config);
      try {
        const { endpoints } = await store.write(resealSecrets, secrets);
        console.log(`resealed the secrets of ${endpoints} webhook endpoint(s) with the current key`);
        return 0;
      } catch (error) {
        if (error instanceof SecretBoxError)
          throw new CliError(
            `a stored secret opens with neither key (${error.message}); nothing was changed — set STABLEGATE_PREVIOUS_SECRET_KEY to the key that sealed it`,
          );
        throw error;
      } finally {
        await store.close();
      }
    },
  });
}
