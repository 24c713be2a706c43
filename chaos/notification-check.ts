import { z } from 'zod';
import type { Pool } from '../src/db/pool.js';
import { orderId } from '../src/domain/ids.js';
import { notificationFor } from '../src/domain/order.js';
import { orderStatuses } from '../src/domain/order-status.js';
import { notificationKey } from '../src/peers/peer-keys.js';
import type { ChaosViolation } from './chaos-violation.js';

/**
 * No notification lost (peer-services.md), checked at both ends of the outbox:
 * - every status an order entered (its history) queued one event of the matching type;
 * - every event reached the sandbox's Notification Service exactly once, under its own key,
 *   and the service received nothing else.
 */
export type NotificationCount = { queued: number; received: number };

const receivedSchema = z.object({
  data: z.array(
    z.object({ orderId: z.number(), type: z.string(), idempotencyKey: z.string().nullable() }),
  ),
});

type EventRow = { id: number; order_id: number; type: string; status: string | null };
type EnteredRow = { order_id: number; to_status: string };

export async function checkNotifications(
  pool: Pool,
  notificationServiceUrl: string,
): Promise<{ violations: ChaosViolation[]; count: NotificationCount }> {
  const events = (
    await pool.query<EventRow>(
      `select id, order_id, type, data ->> 'status' as status from outbox order by id`,
    )
  ).rows;
  const entered = (
    await pool.query<EnteredRow>(`select order_id, to_status from order_status_history`)
  ).rows;
  const response = await fetch(`${notificationServiceUrl}/__sandbox/notifications`);
  const received = receivedSchema.parse(await response.json()).data;

  return {
    violations: [...unqueued(entered, events), ...undelivered(events, received)],
    count: { queued: events.length, received: received.length },
  };
}

/** Per order, the statuses entered and the statuses the queued events announce must match. */
function unqueued(entered: readonly EnteredRow[], events: readonly EventRow[]): ChaosViolation[] {
  const tally = new Map<string, number>();
  const add = (order: number, status: string, by: number) => {
    const key = `${String(order)} ${status}`;
    tally.set(key, (tally.get(key) ?? 0) + by);
  };
  for (const row of entered) add(row.order_id, row.to_status, 1);
  for (const event of events) add(event.order_id, event.status ?? '?', -1);
  const wrongType = events.filter((event) => {
    const status = orderStatuses.find((known) => known === event.status);
    return status === undefined || notificationFor(status) !== event.type;
  });
  return [
    ...[...tally]
      .filter(([, difference]) => difference !== 0)
      .map(([key, difference]) => {
        const [order, status] = key.split(' ');
        return {
          kind: 'notification-not-queued',
          message:
            difference > 0
              ? `order ${order ?? '?'} entered ${status ?? '?'} ${String(difference)} more time(s) than it queued an event for it`
              : `order ${order ?? '?'} queued ${String(-difference)} event(s) for ${status ?? '?'} it never entered`,
        };
      }),
    ...wrongType.map((event) => ({
      kind: 'notification-not-queued',
      message: `outbox event ${String(event.id)} of order ${String(event.order_id)} is ${event.type} for status ${event.status ?? 'none'}`,
    })),
  ];
}

function undelivered(
  events: readonly EventRow[],
  received: z.infer<typeof receivedSchema>['data'],
): ChaosViolation[] {
  const byKey = new Map<string, { orderId: number; type: string }[]>();
  for (const notification of received) {
    const key = notification.idempotencyKey ?? '(no key)';
    byKey.set(key, [...(byKey.get(key) ?? []), notification]);
  }
  const violations: ChaosViolation[] = [];
  for (const event of events) {
    const key = notificationKey(orderId(event.order_id), event.id);
    const got = byKey.get(key) ?? [];
    byKey.delete(key);
    if (got.length === 1 && got[0]?.type === event.type && got[0].orderId === event.order_id) {
      continue;
    }
    violations.push({
      kind: 'notification-lost',
      message: `outbox event ${String(event.id)} (${event.type}, order ${String(event.order_id)}) reached the Notification Service ${String(got.length)} time(s) as ${got.map((n) => n.type).join(', ') || 'nothing'}`,
    });
  }
  for (const [key, extra] of byKey) {
    violations.push({
      kind: 'notification-unexpected',
      message: `the Notification Service received ${String(extra.length)} notification(s) under ${key}, which no outbox event has`,
    });
  }
  return violations;
}
