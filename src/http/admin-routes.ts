import { Router } from 'express';
import { z } from 'zod';
import { isAdmin } from '../domain/actor.js';
import { ForbiddenError } from '../domain/errors.js';
import type { OrdersDeps } from '../orders/orders-deps.js';
import { listSagasFor, resolveSaga, retrySaga, sagaWithLog } from '../orders/saga-admin.js';
import type { SagaSummary } from '../domain/order-saga.js';
import type { SagaLogRecord } from '../domain/saga-log.js';
import { actorOf } from './auth.js';
import { parseInput } from './parse.js';
import { idParam, queryInteger, resolveSagaBody, retrySagaBody } from './schemas.js';

const sagaQuery = z.strictObject({
  state: z
    .enum(['unfinished', 'needs-attention', 'running', 'compensating', 'completed', 'failed'])
    .default('unfinished'),
  page: queryInteger(1, Number.MAX_SAFE_INTEGER / 100).default(1),
  limit: queryInteger(1, 100).default(20),
});

/** A parked saga shows `needs-attention`, whether it was going forward or compensating. */
const sagaView = (saga: SagaSummary) => ({
  id: saga.id,
  orderId: saga.orderId,
  kind: saga.kind,
  state: saga.parkedAt === null ? saga.state : 'needs-attention',
  parkedAt: saga.parkedAt?.toISOString() ?? null,
  peerAnswer: saga.peerAnswer,
  step: saga.step,
  attempts: saga.attempts,
  lastError: saga.lastError,
  nextAttemptAt: saga.nextAttemptAt?.toISOString() ?? null,
  lockedUntil: saga.lockedUntil?.toISOString() ?? null,
  deadlineAt: saga.deadlineAt.toISOString(),
  createdAt: saga.createdAt.toISOString(),
  updatedAt: saga.updatedAt.toISOString(),
});

/** A log row: its detail without the outcome it repeats, a stock step's items as a list. */
const logView = (record: SagaLogRecord) => {
  const { items, ...rest } = (record.detail ?? {}) as Record<string, unknown>;
  const detail = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'outcome'));
  const itemList =
    typeof items === 'object' && items !== null
      ? Object.entries(items).map(([productId, outcome]) => ({
          productId: Number(productId),
          outcome: String(outcome),
        }))
      : undefined;
  return {
    step: record.step,
    outcome: record.outcome,
    detail: itemList === undefined ? detail : { ...detail, items: itemList },
    attempt: record.attempt,
    at: record.at.toISOString(),
  };
};

/** Admin visibility into the sagas (issue #3): what is unfinished or stuck, and a nudge. */
export function adminRoutes(deps: OrdersDeps): Router {
  const router = Router();

  // The role first, for the whole namespace: a plain user learns 403 whatever the path, query or
  // id, never a 400 or 404 that would tell which admin ids or parameters exist.
  router.use('/api/admin', (_req, res, next) => {
    if (!isAdmin(actorOf(res))) throw new ForbiddenError('Only an admin may use /api/admin.');
    next();
  });

  router.get('/api/admin/sagas', async (req, res) => {
    const actor = actorOf(res);
    const query = parseInput(sagaQuery, req.query, 'query');
    const result = await listSagasFor(deps, actor, query);
    res.json({ data: result.sagas.map(sagaView), pagination: result.pagination });
  });

  router.get('/api/admin/sagas/:id', async (req, res) => {
    const actor = actorOf(res);
    const { id } = parseInput(idParam, req.params, 'params');
    const { saga, log } = await sagaWithLog(deps, actor, id);
    res.json({ ...sagaView(saga), log: log.map(logView) });
  });

  router.post('/api/admin/sagas/:id/retry', async (req, res) => {
    const actor = actorOf(res);
    const { id } = parseInput(idParam, req.params, 'params');
    const { reason } = parseInput(retrySagaBody, req.body ?? {}, 'body');
    const saga = await retrySaga(deps, actor, id, reason ?? null);
    res.status(202).json(sagaView(saga));
  });

  router.post('/api/admin/sagas/:id/resolve', async (req, res) => {
    const actor = actorOf(res);
    const { id } = parseInput(idParam, req.params, 'params');
    const { reason } = parseInput(resolveSagaBody, req.body ?? {}, 'body');
    const saga = await resolveSaga(deps, actor, id, reason);
    res.status(202).json(sagaView(saga));
  });

  return router;
}
