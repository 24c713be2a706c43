import { expect } from 'vitest';
import type { Pool } from '../../src/db/pool.js';
import { apiAs } from './http-client.js';
import type { HistoryView } from './orders.js';
import type { EventConsumer, ReceivedEvent } from './rabbitmq.js';
import type { TestUser } from './tokens.js';

/** What a run of order events came to, for the report and the assertions. */
export type SequenceReport = {
  orders: number;
  /** Distinct events expected from the orders' histories. */
  expected: number;
  /** Messages received for those orders, repeats included. */
  received: number;
  /** Messages that repeated an event id already received. */
  duplicates: number;
  /** Orders whose de-duplicated events differ from their history, with both sides. */
  mismatches: { orderId: number; expected: string[]; arrived: string[] }[];
  /** Event ids received more than once whose copies differ (other than the publish traceparent). */
  unequalCopies: string[];
};

/** The kind of event a history entry announces: `created` for `pending`, else the status entered. */
const kindOf = (entry: HistoryView): string => (entry.to === 'pending' ? 'created' : entry.to);

/**
 * Per order of `users` stored in the database, the event kinds its history (GET
 * /api/orders/:id/history, as its owner) says were published, in order. Read after the run, so
 * orders whose POST failed mid-crash count exactly when they were stored.
 */
export async function expectedEventKinds(
  baseUrl: string,
  pool: Pool,
  users: readonly TestUser[],
): Promise<Map<number, string[]>> {
  const { rows } = await pool.query<{ id: number; user_id: number }>(
    'select id::int, user_id::int from orders where user_id = any($1::bigint[]) order by id',
    [users.map((user) => user.id)],
  );
  const tokens = new Map(users.map((user) => [user.id, user.token]));
  const expected = new Map<number, string[]>();
  for (let start = 0; start < rows.length; start += 20) {
    await Promise.all(
      rows.slice(start, start + 20).map(async (row) => {
        const response = await apiAs(baseUrl, tokens.get(row.user_id)).get<{
          data: HistoryView[];
        }>(`/api/orders/${row.id}/history`);
        if (response.status !== 200) {
          throw new Error(`GET history ${row.id} answered ${response.status}: ${response.text}`);
        }
        expected.set(row.id, response.body.data.map(kindOf));
      }),
    );
  }
  return expected;
}

/** The event kind a CloudEvents type names: `com.example.order.paid` → `paid`. */
const kindOfType = (type: string): string => type.slice(type.lastIndexOf('.') + 1);

/**
 * Compares what arrived with what was expected, per order: the distinct event ids in arrival
 * order (a repeat kept at its first arrival) must be the expected kinds, in order, with versions
 * 1, 2, 3…; repeats are allowed (at least once) but must be the same event: same id, type, time
 * and data.
 */
export function compareSequences(
  received: readonly ReceivedEvent[],
  expected: ReadonlyMap<number, readonly string[]>,
): SequenceReport {
  const byOrder = new Map<number, ReceivedEvent['event'][]>();
  for (const { event } of received) {
    const orderId = Number(event.subject);
    if (!expected.has(orderId)) continue;
    byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), event]);
  }
  const report: SequenceReport = {
    orders: expected.size,
    expected: [...expected.values()].reduce((sum, kinds) => sum + kinds.length, 0),
    received: 0,
    duplicates: 0,
    mismatches: [],
    unequalCopies: [],
  };
  for (const [orderId, kinds] of expected) {
    const arrivals = byOrder.get(orderId) ?? [];
    report.received += arrivals.length;
    const first = new Map<string, ReceivedEvent['event']>();
    for (const event of arrivals) {
      const earlier = first.get(event.id);
      if (earlier === undefined) {
        first.set(event.id, event);
        continue;
      }
      report.duplicates += 1;
      if (!isDeepEqual(withoutTraceparent(event), withoutTraceparent(earlier))) {
        report.unequalCopies.push(event.id);
      }
    }
    const distinct = [...first.values()];
    const arrived = distinct.map((event) => `${kindOfType(event.type)}@v${event.data.version}`);
    const wanted = kinds.map((kind, index) => `${kind}@v${index + 1}`);
    if (arrived.join() !== wanted.join()) {
      report.mismatches.push({ orderId, expected: wanted, arrived });
    }
  }
  return report;
}

/** Each publish is its own span, so `traceparent` differs between copies; the rest may not. */
const withoutTraceparent = (event: ReceivedEvent['event']) =>
  Object.fromEntries(Object.entries(event).filter(([name]) => name !== 'traceparent'));

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toStrictEqual(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until every order's saga is over and all its events are published and received (at
 * least as many distinct ids as its history has entries), then compares.
 */
export async function settleAndCompare(options: {
  baseUrl: string;
  pool: Pool;
  users: readonly TestUser[];
  consumer: EventConsumer;
  timeoutMs: number;
}): Promise<SequenceReport> {
  const { pool, users, consumer, timeoutMs } = options;
  const userIds = users.map((user) => user.id);
  await expect
    .poll(
      async () =>
        (
          await pool.query<{ n: number }>(
            `select ((select count(*) from sagas s join orders o on o.id = s.order_id
                     where o.user_id = any($1::bigint[]) and s.state in ('running', 'compensating'))
                  + (select count(*) from order_events e join orders o on o.id = e.order_id
                     where o.user_id = any($1::bigint[]) and e.published_at is null))::int as n`,
            [userIds],
          )
        ).rows[0]?.n,
      { timeout: timeoutMs, interval: 200 },
    )
    .toBe(0);
  const expected = await expectedEventKinds(options.baseUrl, pool, users);
  // Published means confirmed by the broker; the consumer gets it a moment later.
  await expect
    .poll(
      () => {
        const report = compareSequences(consumer.received, expected);
        return report.received - report.duplicates;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBeGreaterThanOrEqual([...expected.values()].reduce((sum, kinds) => sum + kinds.length, 0));
  return compareSequences(consumer.received, expected);
}
