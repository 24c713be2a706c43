import { Router } from 'express';
import { z } from 'zod';
import { isAdmin } from '../domain/actor.js';
import { ForbiddenError } from '../domain/errors.js';
import type { OrdersDeps } from '../orders/orders-deps.js';
import { listSagasFor, retrySaga } from '../orders/saga-admin.js';
import type { SagaSummary } from '../domain/order-saga.js';
import { actorOf } from './auth.js';
import { parseInput } from './parse.js';
import { idParam, queryInteger } from './schemas.js';

const sagaQuery = z.strictObject({
  state: z
    .enum(['unfinished', 'running', 'compensating', 'completed', 'failed'])
    .default('unfinished'),
  page: queryInteger(1, Number.MAX_SAFE_INTEGER / 100).default(1),
  limit: queryInteger(1, 100).default(20),
});

const sagaView = (saga: SagaSummary) => ({
  id: saga.id,
  orderId: saga.orderId,
  kind: saga.kind,
  state: saga.state,
  step: saga.step,
  attempts: saga.attempts,
  lastError: saga.lastError,
  nextAttemptAt: saga.nextAttemptAt.toISOString(),
  lockedUntil: saga.lockedUntil?.toISOString() ?? null,
  deadlineAt: saga.deadlineAt.toISOString(),
  createdAt: saga.createdAt.toISOString(),
  updatedAt: saga.updatedAt.toISOString(),
});

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

  router.post('/api/admin/sagas/:id/retry', async (req, res) => {
    const actor = actorOf(res);
    const { id } = parseInput(idParam, req.params, 'params');
    const saga = await retrySaga(deps, actor, id);
    res.status(202).json(sagaView(saga));
  });

  return router;
}
