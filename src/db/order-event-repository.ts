import type { OrderEventKind } from '../domain/order-event.js';
import type { Order } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { ItemJson, OrderRow } from './order-repository.js';
import { itemsJson, toItem, toOrder } from './order-repository.js';
import type { Queryable } from './pool.js';

/** An order event as the relay publishes it: the order as it was at the event. */
export type StoredOrderEvent = {
  /** The row, for the relay's bookkeeping. */
  id: number;
  /** The CloudEvents id: the same on every publish of this row. */
  eventId: string;
  kind: OrderEventKind;
  previousStatus: OrderStatus | null;
  /** The order at the event: its status, version, payment and updatedAt then. */
  order: Order;
  /** The order's change committed at this time (its updatedAt then). */
  occurredAt: Date;
  /** The W3C traceparent of the span that made the change. */
  traceparent: string | null;
  attempts: number;
};

/**
 * The relay's writes commit without waiting for the WAL flush: one lost in a crash only means an
 * event is published again, with the same id (at least once), as for the notification outbox.
 */
const asyncCommit = `set_config('synchronous_commit', 'off', true)`;

/**
 * Leases up to `limit` due events, at most one per order: the oldest unpublished one, and only
 * when no earlier event of that order is still unpublished. So an order's next event is never
 * claimed, by this replica or another, before the broker confirmed the one before it. A claimed
 * row is locked (SKIP LOCKED) and leased; the order's later rows wait behind it.
 */
export async function claimOrderEvents(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
): Promise<StoredOrderEvent[]> {
  const { rows } = await db.query<
    OrderRow & {
      row_id: number;
      event_id: string;
      kind: OrderEventKind;
      previous_status: OrderStatus | null;
      occurred_at: Date;
      traceparent: string | null;
      attempts: number;
      items: ItemJson[];
    }
  >({
    name: 'claim-order-events',
    text: `with claimed as (
        update order_events set locked_until = now() + make_interval(secs => $2),
          attempts = attempts + 1
        where id in (
          select e.id from order_events e
          where e.published_at is null and e.next_attempt_at <= now()
            and (e.locked_until is null or e.locked_until < now())
            and not exists (
              select 1 from order_events earlier
              where earlier.order_id = e.order_id and earlier.published_at is null
                and earlier.id < e.id)
          order by e.id
          limit $1
          for update skip locked)
        returning *)
      select o.id, o.user_id, c.status, o.total_amount, o.currency, o.shipping_address,
        c.payment_id, c.version, o.created_at, c.occurred_at as updated_at,
        c.id as row_id, c.event_id, c.kind, c.previous_status, c.occurred_at, c.traceparent,
        c.attempts, ${itemsJson} as items, ${asyncCommit}
      from claimed c join orders o on o.id = c.order_id
      order by c.id`,
    values: [limit, leaseSeconds],
  });
  return rows.map((row) => ({
    id: row.row_id,
    eventId: row.event_id,
    kind: row.kind,
    previousStatus: row.previous_status,
    order: toOrder(row, row.items.map(toItem)),
    occurredAt: row.occurred_at,
    traceparent: row.traceparent,
    attempts: row.attempts,
  }));
}

/** Marks the events the broker confirmed. */
export async function markOrderEventsPublished(
  db: Queryable,
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  await db.query({
    name: 'mark-order-events-published',
    text: `with published as (
        update order_events set published_at = now(), locked_until = null, last_error = null
        where id = any($1::bigint[]))
      select ${asyncCommit}`,
    values: [ids],
  });
}

/**
 * Gives claimed events back unpublished. `delayMs` 0: due again at once, the attempt not counted
 * (the broker was not reachable: the relay waits for it, not each event); else the broker refused
 * them (a nack) and they are retried after the delay.
 */
export async function releaseOrderEvents(
  db: Queryable,
  ids: readonly number[],
  retry: { delayMs: number; error: string },
): Promise<void> {
  if (ids.length === 0) return;
  const isRefused = retry.delayMs > 0;
  await db.query({
    name: 'release-order-events',
    text: `with released as (
        update order_events set locked_until = null, last_error = $3,
          next_attempt_at = now() + make_interval(secs => $2),
          attempts = attempts - case when $4 then 0 else 1 end
        where id = any($1::bigint[]))
      select ${asyncCommit}`,
    values: [ids, retry.delayMs / 1000, retry.error, isRefused],
  });
}

/** How many events wait to be published and how long the oldest has waited (0 when none). */
export async function readOrderEventBacklog(
  db: Queryable,
): Promise<{ unpublished: number; oldestAgeSeconds: number }> {
  const { rows } = await db.query<{ unpublished: number; oldest_age_seconds: number }>({
    name: 'read-order-event-backlog',
    text: `select count(*)::int as unpublished,
        coalesce(extract(epoch from now() - min(occurred_at)), 0)::float8 as oldest_age_seconds
      from order_events where published_at is null`,
  });
  return {
    unpublished: rows[0]?.unpublished ?? 0,
    oldestAgeSeconds: rows[0]?.oldest_age_seconds ?? 0,
  };
}
