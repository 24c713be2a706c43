/**
 * Baseline "bare-pg": plain node:http + pg running the service's SQL work and nothing else.
 * Create stores the order and its items (one statement, one transaction; prices are a fixed
 * 12.99 since there are no peers); get and list read order and items in one round trip.
 *
 *   DATABASE_URL=postgres://… PORT=0 node --import tsx bench/bare-pg.ts
 */
import type { CreateBody } from './bare-common.js';
import { insertOrder, openPool, send, serve } from './bare-common.js';

const pool = await openPool();
await serve(pool, async (_req, res, userId, text) => {
  const body = JSON.parse(text) as CreateBody;
  const order = await insertOrder(
    pool,
    userId,
    body,
    body.items.map(() => 1299),
  );
  send(res, 201, JSON.stringify({ id: order.id, status: 'pending', totalCents: order.totalCents }));
});
