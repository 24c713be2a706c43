/**
 * What the baselines (bare-pg.ts, bare-saga.ts; express-pg.ts its SQL) share: a node:http server with no framework,
 * a pg pool, and the SQL — each operation one round trip. The user is read from `X-User-Id`
 * (the baselines have no authentication); bodies are parsed, never validated.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';

export type Item = { productId: number; quantity: number };
export type CreateBody = {
  items: Item[];
  shippingAddress: Record<string, string>;
  paymentMethod?: string;
};
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  userId: number,
  body: string,
) => Promise<void>;

export async function openPool(): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_MAX ?? 10),
    application_name: 'bench-baseline',
  });
  await migrate(pool);
  return pool;
}

/** Money as exact cents, as the service does it ("12.99" → 1299). */
export function toCents(amount: string): number {
  const [whole = '0', fraction = ''] = amount.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

export function formatCents(cents: number): string {
  return `${String(Math.trunc(cents / 100))}.${String(cents % 100).padStart(2, '0')}`;
}

/** Inserts the order (pending) and its items in one statement, hence one transaction. */
export async function insertOrder(
  pool: pg.Pool,
  userId: number,
  body: CreateBody,
  pricesCents: readonly number[],
): Promise<{ id: number; totalCents: number; createdAt: string }> {
  const totalCents = body.items.reduce(
    (sum, item, i) => sum + item.quantity * (pricesCents[i] ?? 0),
    0,
  );
  const { rows } = await pool.query<{ id: string; created_at: string }>({
    name: 'bare-insert-order',
    text: `with o as (
        insert into orders (user_id, status, total_amount, currency, shipping_address)
        values ($1, 'pending', $2, 'USD', $3) returning id, created_at
      ), i as (
        insert into order_items (order_id, product_id, quantity, price, created_at)
        select o.id, t.product_id, t.quantity, t.price, o.created_at
        from o, unnest($4::bigint[], $5::int[], $6::numeric[]) as t(product_id, quantity, price)
      )
      select id::text, created_at::text from o`,
    values: [
      userId,
      formatCents(totalCents),
      body.shippingAddress,
      body.items.map((item) => item.productId),
      body.items.map((item) => item.quantity),
      pricesCents.map(formatCents),
    ],
  });
  const row = rows[0];
  if (row === undefined) throw new Error('insert returned no row');
  return { id: Number(row.id), totalCents, createdAt: row.created_at };
}

const orderJson = `json_build_object('id', o.id, 'userId', o.user_id, 'status', o.status,
  'totalAmount', o.total_amount::text, 'currency', o.currency,
  'shippingAddress', o.shipping_address, 'paymentId', o.payment_id, 'version', o.version,
  'createdAt', o.created_at, 'updatedAt', o.updated_at,
  'items', coalesce((select json_agg(json_build_object('productId', i.product_id,
    'quantity', i.quantity, 'price', i.price::text) order by i.id)
    from order_items i where i.order_id = o.id), '[]'::json))`;

/** The order and its items as JSON text, in one round trip; undefined when not the user's. */
export async function getOrderJson(
  pool: pg.Pool,
  id: number,
  userId: number,
): Promise<string | undefined> {
  const { rows } = await pool.query<{ body: string }>({
    name: 'bare-get-order',
    text: `select ${orderJson}::text as body from orders o where o.id = $1 and o.user_id = $2`,
    values: [id, userId],
  });
  return rows[0]?.body;
}

/** A user's newest `limit` orders with items, and their total count, in one round trip. */
export async function listOrdersJson(pool: pg.Pool, userId: number, limit: number) {
  const { rows } = await pool.query<{ body: string }>({
    name: 'bare-list-orders',
    text: `select json_build_object(
        'data', coalesce((select json_agg(page.body order by page.created_at desc, page.id desc)
          from (select o.id, o.created_at, ${orderJson} as body from orders o
                where o.user_id = $1 order by o.created_at desc, o.id desc limit $2) page),
          '[]'::json),
        'total', (select count(*) from orders where user_id = $1))::text as body`,
    values: [userId, limit],
  });
  return rows[0]?.body ?? '{"data":[],"total":0}';
}

export function send(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}

/**
 * Serves GET /health, GET /api/orders/:id, GET /api/orders?limit= and POST /api/orders (the
 * latter through `create`) on PORT, then prints "listening <port>".
 */
export async function serve(pool: pg.Pool, create: Handler): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      route(req, res, Buffer.concat(chunks).toString()).catch((error: unknown) => {
        send(res, 500, JSON.stringify({ error: String(error) }));
      });
    });
  });
  async function route(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = req.url ?? '/';
    const userId = Number(req.headers['x-user-id'] ?? 0);
    if (req.method === 'GET' && url === '/health') {
      send(res, 200, '{"status":"ok"}');
    } else if (req.method === 'POST' && url === '/api/orders') {
      await create(req, res, userId, body);
    } else if (req.method === 'GET' && url.startsWith('/api/orders?')) {
      const limit = Number(new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('limit') ?? 20);
      send(res, 200, await listOrdersJson(pool, userId, limit));
    } else if (req.method === 'GET' && url.startsWith('/api/orders/')) {
      const order = await getOrderJson(pool, Number(url.slice('/api/orders/'.length)), userId);
      if (order === undefined) send(res, 404, '{"error":"not_found"}');
      else send(res, 200, order);
    } else {
      send(res, 404, '{"error":"not_found"}');
    }
  }
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => {
    server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve);
  });
  announceAndStopOnSignal(server, pool);
}

/** Prints "listening <port>" (what the harness waits for); on SIGTERM closes all and exits. */
export function announceAndStopOnSignal(server: Server, pool: pg.Pool): void {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`listening ${String(port)}\n`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void pool.end().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
