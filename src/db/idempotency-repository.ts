import type { OrderId, UserId } from '../domain/ids.js';
import { orderId } from '../domain/ids.js';
import type { RecordedOutcome } from './idempotency-outcome.js';
import { outcomeOfRow } from './idempotency-outcome.js';
import type { Queryable } from './pool.js';

export type { RecordedFailure, RecordedOutcome } from './idempotency-outcome.js';

export type IdempotencyRecord = {
  requestHash: string;
  orderId: OrderId | null;
  /** What the request that held the key answered; null while it runs (or if it died). */
  outcome: RecordedOutcome | null;
  isLocked: boolean;
};

/** One request's hold on (user, key): only the holder of `token` binds, saves or releases it. */
export type KeyReservation = { userId: UserId; key: string; token: string };

/**
 * Reserves (user, key) for one in-flight request until `lockSeconds` from now, under the
 * request's own `token`. Returns true when this request holds it: a new key, or one whose earlier
 * request stored nothing and let its lock lapse. False: the key exists; read it with
 * findIdempotencyRecord.
 */
export async function reserveIdempotencyKey(
  db: Queryable,
  reservation: KeyReservation & { requestHash: string; lockSeconds: number },
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'reserve-idempotency-key',
    text: `insert into idempotency_keys (user_id, key, request_hash, locked_until, reservation)
     values ($1, $2, $3, now() + make_interval(secs => $4), $5)
     on conflict (user_id, key) do update
       set request_hash = excluded.request_hash, locked_until = excluded.locked_until,
           reservation = excluded.reservation, created_at = now()
       where idempotency_keys.order_id is null and idempotency_keys.locked_until < now()`,
    values: [
      reservation.userId,
      reservation.key,
      reservation.requestHash,
      reservation.lockSeconds,
      reservation.token,
    ],
  });
  return rowCount === 1;
}

export async function findIdempotencyRecord(
  db: Queryable,
  user: UserId,
  key: string,
): Promise<IdempotencyRecord | undefined> {
  const { rows } = await db.query<{
    request_hash: string;
    order_id: number | null;
    response_status: number | null;
    response_body: unknown;
    outcome: unknown;
    is_locked: boolean;
  }>(
    `select request_hash, order_id, response_status, response_body, outcome,
       coalesce(locked_until > now(), false) as is_locked
     from idempotency_keys where user_id = $1 and key = $2`,
    [user, key],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    requestHash: row.request_hash,
    orderId: row.order_id === null ? null : orderId(row.order_id),
    outcome: outcomeOfRow(row),
    isLocked: row.is_locked,
  };
}

/** A request that stored nothing records no key; another request's reservation stays. */
export async function releaseIdempotencyKey(
  db: Queryable,
  reservation: KeyReservation,
): Promise<void> {
  await db.query(
    `delete from idempotency_keys
     where user_id = $1 and key = $2 and reservation = $3 and order_id is null`,
    [reservation.userId, reservation.key, reservation.token],
  );
}

/** Saves the outcome for replays; false when the reservation is no longer this request's. */
export async function recordIdempotentOutcome(
  db: Queryable,
  reservation: KeyReservation,
  outcome: RecordedOutcome,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update idempotency_keys set outcome = $4, locked_until = null
     where user_id = $1 and key = $2 and reservation = $3`,
    [reservation.userId, reservation.key, reservation.token, JSON.stringify(outcome)],
  );
  return rowCount === 1;
}

/** order-api.md keeps keys at least 24 hours; older ones that no request holds are dropped. */
export async function purgeIdempotencyKeys(db: Queryable, olderThanHours: number): Promise<number> {
  const { rowCount } = await db.query(
    `delete from idempotency_keys
     where created_at < now() - make_interval(hours => $1)
       and (locked_until is null or locked_until < now())`,
    [olderThanHours],
  );
  return rowCount ?? 0;
}
