import { previousSecretRowId } from '../domain/webhook-secret.ts';
import type { SecretBox } from './secret-box.ts';
import { query, type Sql } from './sql.ts';

/**
 * Seals every stored webhook secret anew with the box's current key: the last step of rotating
 * STABLEGATE_SECRET_KEY (docs/security.md). The box must still open what the old key sealed
 * (STABLEGATE_PREVIOUS_SECRET_KEY). One transaction: a secret that cannot be opened aborts it
 * with nothing changed, so no endpoint is left half under one key and half under another.
 */
export function* resealSecrets(secrets: SecretBox): Sql<{ endpoints: number }> {
  const rows = yield* query<{ id: string; secret: string; previous_secret: string | null }>(
    'SELECT id, secret, previous_secret FROM webhook_endpoints',
  ).all();
  for (const row of rows) {
    const previousId = previousSecretRowId(row.id);
    yield* query('UPDATE webhook_endpoints SET secret = ?, previous_secret = ? WHERE id = ?').run(
      secrets.seal(secrets.open(row.secret, row.id), row.id),
      row.previous_secret === null
        ? null
        : secrets.seal(secrets.open(row.previous_secret, previousId), previousId),
      row.id,
    );
  }
  return { endpoints: rows.length };
}
