import { orderId } from '../domain/ids.js';
import type { SagaKind, SagaState, SagaSummary } from '../domain/order-saga.js';
import type { Queryable } from './pool.js';

/** What operators see of sagas: the admin endpoints and the unfinished-saga gauges. */
type SagaSummaryRow = {
  id: number;
  order_id: number;
  kind: SagaKind;
  state: SagaState;
  step: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  locked_until: Date | null;
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
};

const summaryColumns = `id, order_id, kind, state, step, attempts, last_error, next_attempt_at,
  locked_until, deadline_at, created_at, updated_at`;

const toSummary = (row: SagaSummaryRow): SagaSummary => ({
  id: row.id,
  orderId: orderId(row.order_id),
  kind: row.kind,
  state: row.state,
  step: row.step,
  attempts: row.attempts,
  lastError: row.last_error,
  nextAttemptAt: row.next_attempt_at,
  lockedUntil: row.locked_until,
  deadlineAt: row.deadline_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Sagas in `states`, the longest waiting first (oldest next attempt, then oldest saga). */
export async function listSagas(
  db: Queryable,
  states: readonly SagaState[],
  page: { offset: number; limit: number },
): Promise<{ sagas: SagaSummary[]; total: number }> {
  const [pageResult, countResult] = await Promise.all([
    db.query<SagaSummaryRow>(
      `select ${summaryColumns} from sagas where state = any($1::text[])
       order by next_attempt_at, id limit $2 offset $3`,
      [states, page.limit, page.offset],
    ),
    db.query<{ total: number }>(
      `select count(*)::int as total from sagas where state = any($1::text[])`,
      [states],
    ),
  ]);
  return { sagas: pageResult.rows.map(toSummary), total: countResult.rows[0]?.total ?? 0 };
}

/** Makes an unfinished saga due now (its lease, if held, is left to its holder). */
export async function scheduleSagaNow(db: Queryable, id: number): Promise<SagaSummary | undefined> {
  const { rows } = await db.query<SagaSummaryRow>(
    `update sagas set next_attempt_at = now(), updated_at = now()
     where id = $1 and state in ('running', 'compensating')
     returning ${summaryColumns}`,
    [id],
  );
  return rows[0] === undefined ? undefined : toSummary(rows[0]);
}

export async function findSagaSummary(db: Queryable, id: number): Promise<SagaSummary | undefined> {
  const { rows } = await db.query<SagaSummaryRow>(
    `select ${summaryColumns} from sagas where id = $1`,
    [id],
  );
  return rows[0] === undefined ? undefined : toSummary(rows[0]);
}

/**
 * A saga is stuck when it has ended `attempts` passes without a decision (peer outcomes unknown),
 * or has been due for `dueForSeconds` without moving: no replica's recovery picks it up, or one
 * run has held it that long.
 */
export const stuckSaga = { attempts: 3, dueForSeconds: 60 };

/**
 * Unfinished sagas by kind and step, with how many are stuck (`stuckSaga`). The step loses its
 * product id (`decrease-stock:42` → `decrease-stock`). Reads only the rows of the partial index
 * on unfinished sagas.
 */
export async function countUnfinishedSagas(
  db: Queryable,
): Promise<{ kind: SagaKind; step: string; inFlight: number; stuck: number }[]> {
  const { rows } = await db.query<{
    kind: SagaKind;
    step: string;
    in_flight: number;
    stuck: number;
  }>(
    `select kind, split_part(step, ':', 1) as step, count(*)::int as in_flight,
       count(*) filter (where attempts >= $1
         or next_attempt_at < now() - make_interval(secs => $2))::int as stuck
     from sagas where state in ('running', 'compensating')
     group by kind, split_part(step, ':', 1)`,
    [stuckSaga.attempts, stuckSaga.dueForSeconds],
  );
  return rows.map((row) => ({
    kind: row.kind,
    step: row.step,
    inFlight: row.in_flight,
    stuck: row.stuck,
  }));
}
