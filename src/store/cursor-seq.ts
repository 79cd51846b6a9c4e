import { ValidationError } from '../domain/errors.ts';
import { pluck, type Sql } from './sql.ts';

/**
 * The `seq` of a list cursor: pages are cut by seq (creation order, also within a millisecond),
 * not by id, whose random part orders nothing. The cursor must be one of the merchant's own rows;
 * anything else is named as a bad `startingAfter`, never treated as "before everything".
 */
const NOUN = { events: 'event', invoices: 'invoice', sweeps: 'sweep' } as const;

export function* cursorSeq(table: keyof typeof NOUN, merchantId: string, id: string): Sql<number> {
  const seq = yield* pluck<number>(`SELECT seq FROM ${table} WHERE id = ? AND merchant_id = ?`).get(
    id,
    merchantId,
  );
  if (seq === undefined) {
    throw new ValidationError(
      [{ field: 'startingAfter', message: `no ${NOUN[table]} with this id` }],
      'startingAfter must be the id of an object in the list.',
    );
  }
  return seq;
}
