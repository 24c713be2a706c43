import type { Request, Response } from 'express';
import { Router } from 'express';
import type { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import {
  InsufficientStockError,
  PaymentDeclinedError,
  PaymentServiceError,
  UnknownProductsError,
} from '../domain/errors.js';
import { orderId, productId, userId } from '../domain/ids.js';
import type { Order } from '../domain/order.js';
import { cancelOrder } from '../orders/cancel-order.js';
import { assertMayChangeStatus, changeStatus } from '../orders/change-status.js';
import {
  abandonIdempotentRequest,
  saveIdempotentResponse,
  startIdempotentRequest,
} from '../orders/idempotency.js';
import type { KeyReservation } from '../orders/idempotency.js';
import type { OrdersDeps } from '../orders/orders-deps.js';
import type { PlaceOrderOutcome } from '../orders/place-order.js';
import { placeOrder } from '../orders/place-order.js';
import { getOrder, getOrderHistory, listOrdersFor } from '../orders/read-orders.js';
import { addToLogContext } from '../observability/log-context.js';
import { actorOf } from './auth.js';
import { encodeOrderCursor } from './order-cursor.js';
import { historyView, orderLocation, orderView } from './order-view.js';
import { parseInput } from './parse.js';
import { toProblem } from './problem.js';
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

type Reply = { status: number; body: unknown; headers: Record<string, string> };

export function ordersRoutes(deps: OrdersDeps): Router {
  const router = Router();

  router.post('/api/orders', async (req, res) => {
    const started = process.hrtime.bigint();
    const actor = actorOf(res);
    const input = parseInput(placeOrderBody, req.body, 'body');
    const key = optionalHeader(req, 'idempotency-key', idempotencyKeyHeader);
    const ctx = callContextOf(res);
    const items = input.items.map((line) => ({
      productId: productId(line.productId),
      quantity: line.quantity,
    }));
    const request = { ...input, items };

    let reservation: KeyReservation | undefined;
    if (key !== undefined) {
      const start = await startIdempotentRequest(deps, actor, key, input);
      if (start.kind === 'fresh') reservation = start.reservation;
      else {
        res.setHeader('Idempotent-Replayed', 'true');
        const replay =
          start.kind === 'replay'
            ? storedReply(start.status, start.body)
            : orderReply(start.order.status === 'pending' ? 202 : 200, start.order);
        send(res, replay);
        return;
      }
    }
    const observe = (outcome: string) => {
      deps.metrics.orderProcessingDuration.observe(
        { outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    };
    let placed: PlaceOrderOutcome;
    try {
      placed = await placeOrder(deps, actor, request, reservation, ctx);
    } catch (error) {
      // Thrown only before the order was stored (or by a fault): the key stays unbound.
      if (reservation !== undefined) await abandonIdempotentRequest(deps, reservation);
      // `rejected`: the client's mistake (unknown product); `error`: a peer or our fault.
      observe(toProblem(error, '').status < 500 ? 'rejected' : 'error');
      throw error;
    }
    const reply = placeOrderReply(placed, traceIdOf(res));
    if (reservation !== undefined) {
      await saveIdempotentResponse(deps, reservation, { status: reply.status, body: reply.body });
    }
    observe(placed.kind);
    send(res, reply);
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
    send(res, orderReply(200, order));
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
    send(res, orderReply(outcome.status, outcome.order));
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
    send(res, orderReply(outcome.status, outcome.order));
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

function orderReply(status: number, order: Order): Reply {
  const headers: Record<string, string> = { ETag: `"${order.version}"` };
  if (status === 201 || status === 202) headers.Location = orderLocation(order.id);
  return { status, body: orderView(order), headers };
}

function storedReply(status: number, body: unknown): Reply {
  const headers: Record<string, string> = {};
  if ((status === 201 || status === 202) && isOrderBody(body)) {
    headers.Location = orderLocation(body.id);
    headers.ETag = `"${body.version}"`;
  }
  return { status, body, headers };
}

const isOrderBody = (body: unknown): body is { id: number; version: number } =>
  typeof body === 'object' &&
  body !== null &&
  'id' in body &&
  typeof body.id === 'number' &&
  'version' in body &&
  typeof body.version === 'number';

function placeOrderReply(outcome: PlaceOrderOutcome, traceId: string): Reply {
  switch (outcome.kind) {
    case 'paid':
      return orderReply(201, outcome.order);
    case 'accepted':
      return orderReply(202, outcome.order);
    case 'settled':
      // order-api.md: 200 with the order as it is now once it has left `pending`.
      return orderReply(200, outcome.order);
    case 'declined':
      return problemReply(new PaymentDeclinedError(outcome.order.id, 'card_declined'), traceId);
    case 'payment-error':
      return problemReply(new PaymentServiceError(outcome.order.id), traceId);
    case 'insufficient-stock':
      return problemReply(
        new InsufficientStockError(outcome.productIds.map(productId), outcome.order.id),
        traceId,
      );
    case 'unknown-products':
      return problemReply(
        new UnknownProductsError(outcome.productIds.map(productId), outcome.order.id),
        traceId,
      );
  }
}

function problemReply(error: Error, traceId: string): Reply {
  const problem = toProblem(error, traceId);
  return { status: problem.status, body: problem.body, headers: problem.headers };
}

function send(res: Response, reply: Reply): void {
  res.status(reply.status).set(reply.headers);
  if (reply.status >= 400) res.type('application/problem+json');
  res.json(reply.body);
}
