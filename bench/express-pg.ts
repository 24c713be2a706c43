/**
 * Baseline "express+pg": a minimal Express 5 app with a pg pool and nothing else — no
 * validation, authentication (the user is `X-User-Id`), logging or tracing — serving get and list
 * with bare-pg's one-statement SQL. What the framework alone costs, next to bare-pg (node:http).
 *
 *   DATABASE_URL=postgres://… PORT=0 node --import tsx bench/express-pg.ts
 */
import express from 'express';
import { announceAndStopOnSignal, getOrderJson, listOrdersJson, openPool } from './bare-common.js';

const pool = await openPool();
const app = express();

const sendJson = (res: express.Response, status: number, body: string) =>
  res.status(status).type('application/json').send(body);
const userOf = (req: express.Request) => Number(req.get('x-user-id') ?? 0);

app.get('/health', (_req, res) => {
  sendJson(res, 200, '{"status":"ok"}');
});
app.get('/api/orders/:id', async (req, res) => {
  const order = await getOrderJson(pool, Number(req.params.id), userOf(req));
  if (order === undefined) sendJson(res, 404, '{"error":"not_found"}');
  else sendJson(res, 200, order);
});
app.get('/api/orders', async (req, res) => {
  const limit = Number(typeof req.query.limit === 'string' ? req.query.limit : 20);
  sendJson(res, 200, await listOrdersJson(pool, userOf(req), limit));
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announceAndStopOnSignal(server, pool);
});
server.keepAliveTimeout = 65_000;
