import { type Delivery, type DeliveryRow, toDelivery } from './delivery-rows.ts';
import { query, type Sql } from './sql.ts';

export type DeliveryAttempt = {
  attemptedAt: Date;
  responseStatus: number | null;
  durationMs: number;
  error: string | null;
};

export type DeliveryWithAttempts = Delivery & { attemptsLog: DeliveryAttempt[] };

type AttemptRow = {
  delivery_id: string;
  attempted_at: string;
  response_status: number | null;
  duration_ms: number;
  error: string | null;
};

/** A merchant's deliveries of one event, oldest first, each with its attempts in order. */
export function* listDeliveries(merchantId: string, eventId: string): Sql<DeliveryWithAttempts[]> {
  const rows = yield* query<DeliveryRow>(`SELECT d.* FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.event_id = ? AND e.merchant_id = ? ORDER BY d.seq`).all(eventId, merchantId);
  const attempts =
    yield* query<AttemptRow>(`SELECT a.delivery_id, a.attempted_at, a.response_status, a.duration_ms, a.error
     FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
     WHERE d.event_id = ? ORDER BY a.id`).all(eventId);
  const byDelivery = new Map<string, DeliveryAttempt[]>();
  for (const attempt of attempts) {
    const log = byDelivery.get(attempt.delivery_id) ?? [];
    log.push({
      attemptedAt: new Date(attempt.attempted_at),
      responseStatus: attempt.response_status,
      durationMs: attempt.duration_ms,
      error: attempt.error,
    });
    byDelivery.set(attempt.delivery_id, log);
  }
  return rows.map((row) => ({ ...toDelivery(row), attemptsLog: byDelivery.get(row.id) ?? [] }));
}
