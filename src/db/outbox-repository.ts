import type { OrderId, UserId } from '../domain/ids.js';
import { orderId, userId } from '../domain/ids.js';
import type { NotificationType } from '../domain/order.js';
import type { Queryable } from './pool.js';

export type OutboxEvent = {
  id: number;
  orderId: OrderId;
  userId: UserId;
  type: NotificationType;
  data: Record<string, unknown>;
  attempts: number;
  /** The W3C traceparent of the span that queued the event; the relay links its trace to it. */
  traceparent: string | null;
};

/**
 * Written in the transaction of the state change it announces (transactional outbox), with the
 * active span's trace context (the request or saga step that queued it).
 */
export async function insertOutboxEvent(
  db: Queryable,
  event: {
    orderId: OrderId;
    userId: UserId;
    type: NotificationType;
    data: Record<string, unknown>;
    /** The W3C traceparent of the span that queued it; the relay links its trace to it. */
    traceparent: string | null;
  },
): Promise<void> {
  await db.query(
    `insert into outbox (order_id, user_id, type, data, traceparent) values ($1, $2, $3, $4, $5)`,
    [event.orderId, event.userId, event.type, event.data, event.traceparent],
  );
}

/** Leases up to `limit` due events; a relay that dies leaves them to be taken again after the lease. */
/**
 * The relay's own writes (claim, delivered, retry) commit without waiting for the WAL flush: one
 * lost in a crash only means a notification is sent again, with the same Idempotency-Key — the
 * at-least-once the contract asks for — and the order's own commits stay the only ones an order
 * waits for (issue 12: two flushes per order).
 */
const asyncCommit = `set_config('synchronous_commit', 'off', true)`;

export async function claimDueEvents(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
): Promise<OutboxEvent[]> {
  const { rows } = await db.query<{
    id: number;
    order_id: number;
    user_id: number;
    type: NotificationType;
    data: Record<string, unknown>;
    attempts: number;
    traceparent: string | null;
  }>(
    `with claimed as (
       update outbox set locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
       where id in (
         select id from outbox
         where delivered_at is null and next_attempt_at <= now()
           and (locked_until is null or locked_until < now())
         order by next_attempt_at, id
         limit $1
         for update skip locked)
       returning id, order_id, user_id, type, data, attempts, traceparent)
     select claimed.*, ${asyncCommit} from claimed`,
    [limit, leaseSeconds],
  );
  return rows.map((row) => ({
    id: row.id,
    orderId: orderId(row.order_id),
    userId: userId(row.user_id),
    type: row.type,
    data: row.data,
    attempts: row.attempts,
    traceparent: row.traceparent,
  }));
}

/** Marks a relay pass's delivered events, all in one statement. */
export async function markEventsDelivered(db: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query({
    name: 'mark-events-delivered',
    text: `with delivered as (
        update outbox set delivered_at = now(), locked_until = null where id = any($1::bigint[]))
      select ${asyncCommit}`,
    values: [ids],
  });
}

export async function scheduleEventRetry(
  db: Queryable,
  id: number,
  delayMs: number,
  error: string,
): Promise<void> {
  await db.query(
    `with rescheduled as (
       update outbox set next_attempt_at = now() + make_interval(secs => $2), locked_until = null,
         last_error = $3
       where id = $1)
     select ${asyncCommit}`,
    [id, delayMs / 1000, error],
  );
}

/** How many events wait for delivery and how long the oldest has waited (0 when none). */
export async function readOutboxBacklog(
  db: Queryable,
): Promise<{ undelivered: number; oldestAgeSeconds: number }> {
  const { rows } = await db.query<{ undelivered: number; oldest_age_seconds: number }>(
    `select count(*)::int as undelivered,
       coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest_age_seconds
     from outbox where delivered_at is null`,
  );
  return {
    undelivered: rows[0]?.undelivered ?? 0,
    oldestAgeSeconds: rows[0]?.oldest_age_seconds ?? 0,
  };
}
