import type { Request, Response } from 'express';
import { Router } from 'express';
import type { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { orderId, productId, userId } from '../domain/ids.js';
import type { Order } from '../domain/order.js';
import { cancelOrder } from '../orders/cancel-order.js';
import { assertMayChangeStatus, changeStatus } from '../orders/change-status.js';
import type { OrdersDeps } from '../orders/orders-deps.js';
import type { PlaceOrderInput } from '../orders/place-order.js';
import { placeOrder } from '../orders/place-order.js';
import { getOrder, getOrderHistory, listOrdersFor } from '../orders/read-orders.js';
import { addToLogContext } from '../observability/log-context.js';
import { actorOf } from './auth.js';
import { encodeOrderCursor } from './order-cursor.js';
import { historyView, orderLocation, orderView } from './order-view.js';
import { parseInput } from './parse.js';
import { callContextOf, traceIdOf } from './request-context.js';
import {
  cancelBody,
  changeStatusBody,
  idParam,
  idempotencyKeyHeader,
  ifMatchHeader,
  listOrdersQuery,
  placeOrderBody,
} from './schemas.js';

export function ordersRoutes(deps: OrdersDeps): Router {
  const router = Router();

  router.post('/api/orders', async (req, res) => {
    const body = parseInput(placeOrderBody, req.body, 'body');
    const placed = await placeOrder(deps, actorOf(res), placeOrderInput(body), {
      ...callContextOf(res),
      traceId: traceIdOf(res),
      idempotencyKey: optionalHeader(req, 'idempotency-key', idempotencyKeyHeader),
    });
    if (placed.replayed) res.setHeader('Idempotent-Replayed', 'true');
    sendOrder(res, placedStatus[placed.outcome], placed.order);
  });

  router.get('/api/orders', async (req, res) => {
    const actor = actorOf(res);
    const query = parseInput(listOrdersQuery, req.query, 'query');
    const page = await listOrdersFor(deps.pool, actor, {
      page: query.page,
      limit: query.limit,
      after: query.after,
      status: query.status,
      userId: query.userId === undefined ? undefined : userId(query.userId),
      createdFrom: query.createdFrom,
      createdTo: query.createdTo,
    });
    const nextCursor = page.next === null ? null : encodeOrderCursor(page.next);
    res.json({ data: page.orders.map(orderView), pagination: { ...page.pagination, nextCursor } });
  });

  router.get('/api/orders/:id', async (req, res) => {
    const order = await getOrder(deps.pool, actorOf(res), idOf(req));
    sendOrder(res, 200, order);
  });

  router.get('/api/orders/:id/history', async (req, res) => {
    const history = await getOrderHistory(deps.pool, actorOf(res), idOf(req));
    res.json({ data: history.map(historyView) });
  });

  router.patch('/api/orders/:id/status', async (req, res) => {
    const actor: Actor = actorOf(res);
    assertMayChangeStatus(actor);
    const id = idOf(req);
    const body = parseInput(changeStatusBody, req.body, 'body');
    const expectedVersion = optionalHeader(req, 'if-match', ifMatchHeader);
    const outcome = await changeStatus(
      deps,
      actor,
      id,
      { status: body.status, reason: body.reason ?? null, expectedVersion },
      callContextOf(res),
    );
    sendOrder(res, changedStatus[outcome.outcome], outcome.order);
  });

  router.post('/api/orders/:id/cancel', async (req, res) => {
    const actor = actorOf(res);
    const id = idOf(req);
    const body = parseInput(cancelBody, req.body ?? {}, 'body');
    const expectedVersion = optionalHeader(req, 'if-match', ifMatchHeader);
    const outcome = await cancelOrder(
      deps,
      actor,
      id,
      { reason: body.reason ?? null, expectedVersion },
      callContextOf(res),
    );
    sendOrder(res, changedStatus[outcome.outcome], outcome.order);
  });

  return router;
}

function idOf(req: Request) {
  const id = orderId(parseInput(idParam, req.params, 'params').id);
  addToLogContext({ orderId: id });
  return id;
}

function optionalHeader<S extends z.ZodType>(
  req: Request,
  name: string,
  schema: S,
): z.output<S> | undefined {
  const value = req.get(name);
  if (value === undefined) return undefined;
  return parseInput(schema, value, 'headers', name);
}

/** The order resource with its version as ETag, and Location when the answer names a new one. */
function sendOrder(res: Response, status: number, order: Order): void {
  res.status(status).set('ETag', `"${order.version}"`);
  if (status === 201 || status === 202) res.set('Location', orderLocation(order.id));
  res.json(orderView(order));
}

/** order-api.md: 201 paid, 202 still pending, 200 the order as it is now once it left pending. */
const placedStatus = { paid: 201, accepted: 202, settled: 200 } as const;
/** A cancel or status change: 200 done, 202 while its saga refunds and restocks. */
const changedStatus = { done: 200, accepted: 202 } as const;

function placeOrderInput(body: z.output<typeof placeOrderBody>): PlaceOrderInput {
  const items = body.items.map((line) => ({
    productId: productId(line.productId),
    quantity: line.quantity,
  }));
  return { ...body, items };
}
