/**
 * Seeds a large, consistent order history: orders with their items (1–3, about 2 an order) and
 * status history, set-based (`insert … select … from generate_series`), one statement per batch.
 * Used by `npm run bench:seed` (bench/seed.ts) and by `npm run bench -- --growth`.
 */
import type pg from 'pg';

export type SeedOptions = {
  /** How many orders; 1,000,000 by default. */
  orders?: number;
  /** Over how many users, the first being `firstUserId`; 10,000 by default. */
  users?: number;
  firstUserId?: number;
  /** Orders per statement; 50,000 by default. */
  batchSize?: number;
  /** Batches run side by side, each on its own connection of the pool; 2 by default. */
  connections?: number;
  /** Called after each batch and each closing step, with a line for a person to read. */
  onProgress?: (line: string) => void;
};

export type SeedResult = {
  orders: number;
  items: number;
  historyEntries: number;
  firstOrderId: number;
  lastOrderId: number;
  firstUserId: number;
  users: number;
  /** The heavy users, heaviest first, with how many of the seeded orders each got. */
  heavyUsers: { userId: number; orders: number }[];
  seconds: number;
};

// Share of all orders for each heavy user (the first users): one reseller with a fifth of them,
// deep enough for a page 10,000 at limit=20, and four with 2.5 % each (25,000 at a million).
// Everyone else shares the remaining 69 % evenly.
const heavyShares = [0.21, 0.025, 0.025, 0.025, 0.025];

// Each final status with the moves that led to it, as the service records them: the order is
// inserted pending (by the user), the saga marks it paid or failed, an admin moves it along.
// `after` is the time since the order was created. An order's version is its entry count.
const statusPaths = `(values
  ('paid', null, 'pending', 'user', null, interval '0'),
  ('paid', 'pending', 'paid', 'system', null, interval '2 seconds'),
  ('processing', null, 'pending', 'user', null, interval '0'),
  ('processing', 'pending', 'paid', 'system', null, interval '2 seconds'),
  ('processing', 'paid', 'processing', 'admin', null, interval '3 hours'),
  ('shipped', null, 'pending', 'user', null, interval '0'),
  ('shipped', 'pending', 'paid', 'system', null, interval '2 seconds'),
  ('shipped', 'paid', 'processing', 'admin', null, interval '3 hours'),
  ('shipped', 'processing', 'shipped', 'admin', null, interval '1 day'),
  ('delivered', null, 'pending', 'user', null, interval '0'),
  ('delivered', 'pending', 'paid', 'system', null, interval '2 seconds'),
  ('delivered', 'paid', 'processing', 'admin', null, interval '3 hours'),
  ('delivered', 'processing', 'shipped', 'admin', null, interval '1 day'),
  ('delivered', 'shipped', 'delivered', 'admin', null, interval '3 days'),
  ('cancelled', null, 'pending', 'user', null, interval '0'),
  ('cancelled', 'pending', 'paid', 'system', null, interval '2 seconds'),
  ('cancelled', 'paid', 'cancelled', 'user', 'Changed my mind', interval '1 hour'),
  ('failed', null, 'pending', 'user', null, interval '0'),
  ('failed', 'pending', 'failed', 'system', 'card_declined', interval '2 seconds')
) as path (status, from_status, to_status, actor, reason, after)`;

// g runs 1..total, oldest first, so ids and created_at rise together as in a real table. A
// year is spread evenly over the orders; the status depends on age: the last day's orders are
// paid or processing, the last five days' shipping, older ones delivered, cancelled or failed.
// No order is left pending: a pending order without a running saga breaks an invariant
// (src/invariants/order-rules.ts), and sagas are not seeded.
const batchSql = `
with src as materialized (
  select nextval(pg_get_serial_sequence('orders', 'id')) as id,
    case ${heavyShares
      .map((_, i) => {
        const upTo = heavyShares.slice(0, i + 1).reduce((sum, share) => sum + share, 0);
        return `when r_user < ${String(upTo)} then $4::int + ${String(i)}`;
      })
      .join(' ')}
      else $4::int + ${String(heavyShares.length)}
        + floor(random() * ($5::int - ${String(heavyShares.length)}))::int
    end as user_id,
    now() - interval '365 days' + (g - 1 + random()) * (interval '365 days' / $3::int) as created_at,
    case
      when days_old < 1 then case when r_status < 0.5 then 'paid' else 'processing' end
      when days_old < 5 then case when r_status < 0.2 then 'processing' else 'shipped' end
      when r_status < 0.82 then 'delivered'
      when r_status < 0.93 then 'cancelled'
      else 'failed'
    end as status,
    1 + floor(random() * 3)::int as item_count,
    floor(random() * 1000)::int as first_product
  from (
    select g, random() as r_user, random() as r_status, ($3::int - g) * 365.0 / $3::int as days_old
    from generate_series($1::int, $2::int) g
  ) drawn
), items as materialized (
  select src.id as order_id, src.first_product + k as product_id,
    1 + (random() < 0.25)::int + (random() < 0.05)::int as quantity,
    round(((src.first_product + k) * 37 % 9000 + 99)::numeric / 100, 2) as price,
    src.created_at
  from src cross join lateral generate_series(1, src.item_count) k
), history as materialized (
  select src.id as order_id, path.from_status, path.to_status,
    case path.actor when 'user' then 'user:' || src.user_id when 'admin' then 'admin:1'
      else 'system' end as actor,
    path.reason, src.created_at + path.after as at
  from src join ${statusPaths} on path.status = src.status
), inserted_orders as (
  insert into orders (id, user_id, status, total_amount, currency, shipping_address, payment_id,
    version, created_at, updated_at)
  select src.id, src.user_id, src.status, totals.total, 'USD',
    jsonb_build_object('street', (src.user_id % 500 + 1) || ' Main St',
      'city', (array['Berlin', 'Hamburg', 'Munich', 'Cologne'])[1 + src.user_id % 4],
      'postalCode', lpad((src.user_id * 7919 % 100000)::text, 5, '0'), 'country', 'DE'),
    case when src.status <> 'failed' then 'pay_seed_' || src.id end,
    steps.entries, src.created_at, steps.last_at
  from src
  join (select order_id, sum(quantity * price) as total from items group by order_id) totals
    on totals.order_id = src.id
  join (select order_id, count(*)::int as entries, max(at) as last_at from history
        group by order_id) steps on steps.order_id = src.id
  returning id
), inserted_items as (
  insert into order_items (order_id, product_id, quantity, price, created_at)
  select order_id, product_id, quantity, price, created_at from items
  returning 1
), inserted_history as (
  insert into order_status_history (order_id, from_status, to_status, actor, reason, at)
  select order_id, from_status, to_status, actor, reason, at from history
  returning 1
)
select (select count(*)::int from inserted_orders) as orders,
  (select min(id) from inserted_orders) as first_id,
  (select max(id) from inserted_orders) as last_id,
  (select count(*)::int from inserted_items) as items,
  (select count(*)::int from inserted_history) as history`;

type BatchRow = {
  orders: number;
  first_id: string;
  last_id: string;
  items: number;
  history: number;
};

/**
 * Inserts `orders` orders (with items and history) in batches, then VACUUM (ANALYZE)s the three
 * tables so the planner and the visibility map see them as a long-running database would. Not
 * idempotent: every call adds new orders. The pool needs `connections` connections.
 */
export async function seedOrders(pool: pg.Pool, options: SeedOptions = {}): Promise<SeedResult> {
  const total = options.orders ?? 1_000_000;
  const users = options.users ?? 10_000;
  const firstUserId = options.firstUserId ?? 1;
  const batchSize = options.batchSize ?? 50_000;
  const progress = options.onProgress ?? (() => undefined);
  if (users <= heavyShares.length) throw new Error(`seedOrders needs more than 5 users`);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const result = { orders: 0, items: 0, historyEntries: 0, firstOrderId: 0, lastOrderId: 0 };
  let next = 1;
  // Each worker takes the next batch on its own connection: one batch keeps one core busy.
  const worker = async () => {
    const client = await pool.connect();
    try {
      // A lost batch on a crash is harmless here; waiting for each WAL flush is not.
      await client.query('set synchronous_commit = off');
      while (next <= total) {
        const from = next;
        const to = Math.min(total, from + batchSize - 1);
        next = to + 1;
        const { rows } = await client.query<BatchRow>(batchSql, [
          from,
          to,
          total,
          firstUserId,
          users,
        ]);
        const batch = rows[0];
        if (batch === undefined) throw new Error('the seed batch returned no row');
        const firstId = Number(batch.first_id);
        const lastId = Number(batch.last_id);
        if (result.firstOrderId === 0 || firstId < result.firstOrderId) {
          result.firstOrderId = firstId;
        }
        result.lastOrderId = Math.max(result.lastOrderId, lastId);
        result.orders += batch.orders;
        result.items += batch.items;
        result.historyEntries += batch.history;
        progress(
          `orders ${result.orders.toLocaleString('en')}/${total.toLocaleString('en')}, ` +
            `items ${result.items.toLocaleString('en')}, ` +
            `history ${result.historyEntries.toLocaleString('en')}  (${elapsed()})`,
        );
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: options.connections ?? 2 }, worker));
  const client = await pool.connect();
  try {
    await client.query('vacuum (analyze) orders, order_items, order_status_history');
    progress(`vacuum (analyze) done (${elapsed()})`);
    const heavy = await client.query<{ user_id: string; orders: number }>(
      `select user_id, count(*)::int as orders from orders
       where user_id between $1 and $2 and id between $3 and $4
       group by user_id order by orders desc`,
      [firstUserId, firstUserId + heavyShares.length - 1, result.firstOrderId, result.lastOrderId],
    );
    return {
      ...result,
      firstUserId,
      users,
      heavyUsers: heavy.rows.map((row) => ({ userId: Number(row.user_id), orders: row.orders })),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    client.release();
  }
}
