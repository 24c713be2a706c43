import { orderId } from '../domain/ids.js';
import type { SagaKind, SagaState, SagaSummary } from '../domain/order-saga.js';
import type { PeerAnswer } from '../domain/saga-attention.js';
import type { SagaLogEntry, SagaLogRecord } from '../domain/saga-log.js';
import type { Queryable } from './pool.js';
import { insertLogFrom, logRecords } from './saga-log-repository.js';

/** What operators see of sagas: the admin endpoints and the unfinished-saga gauges. */
type SagaSummaryRow = {
  id: number;
  order_id: number;
  kind: SagaKind;
  state: SagaState;
  parked_at: Date | null;
  peer_answer: PeerAnswer | null;
  step: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
};

// A parked saga is never due (next_attempt_at = 'infinity'): shown as null.
const summaryColumns = `id, order_id, kind, state, parked_at, peer_answer, step, attempts,
  last_error, nullif(next_attempt_at, 'infinity') as next_attempt_at, locked_until, deadline_at,
  created_at, updated_at`;

const toSummary = (row: SagaSummaryRow): SagaSummary => ({
  id: row.id,
  orderId: orderId(row.order_id),
  kind: row.kind,
  state: row.state,
  parkedAt: row.parked_at,
  peerAnswer: row.peer_answer,
  step: row.step,
  attempts: row.attempts,
  lastError: row.last_error,
  nextAttemptAt: row.next_attempt_at,
  lockedUntil: row.locked_until,
  deadlineAt: row.deadline_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Which sagas a list shows: in one of `states`, and parked or not when `isParked` is given. */
export type SagaFilter = { states: readonly SagaState[]; isParked?: boolean };

/** The admin list counts at most this many rows: finished sagas pile up (until retention). */
export const sagaCountCap = 10_000;

/**
 * Sagas the filter selects, the longest waiting first (oldest next attempt, then oldest saga;
 * parked ones, never due, last). `total` counts up to `sagaCountCap` rows, no more: `isCapped`
 * says there are more. Unfinished sagas are read through the partial index on them.
 */
export async function listSagas(
  db: Queryable,
  filter: SagaFilter,
  page: { offset: number; limit: number },
): Promise<{ sagas: SagaSummary[]; total: number; isCapped: boolean }> {
  const where = `state = any($1::text[]) and ($2::boolean is null or (parked_at is not null) = $2)`;
  const parked = filter.isParked ?? null;
  const [pageResult, countResult] = await Promise.all([
    db.query<SagaSummaryRow>(
      `select ${summaryColumns} from sagas where ${where}
       order by next_attempt_at, id limit $3 offset $4`,
      [filter.states, parked, page.limit, page.offset],
    ),
    db.query<{ total: number }>(
      `select count(*)::int as total from (select 1 from sagas where ${where} limit $3) capped`,
      [filter.states, parked, sagaCountCap + 1],
    ),
  ]);
  const counted = countResult.rows[0]?.total ?? 0;
  return {
    sagas: pageResult.rows.map(toSummary),
    total: Math.min(counted, sagaCountCap),
    isCapped: counted > sagaCountCap,
  };
}

/** Makes an unfinished saga due now (its lease, if held, is left to its holder); not a parked one. */
export async function scheduleSagaNow(db: Queryable, id: number): Promise<SagaSummary | undefined> {
  const { rows } = await db.query<SagaSummaryRow>(
    `update sagas set next_attempt_at = now(), updated_at = now()
     where id = $1 and state in ('running', 'compensating') and parked_at is null
     returning ${summaryColumns}`,
    [id],
  );
  return rows[0] === undefined ? undefined : toSummary(rows[0]);
}

/**
 * An admin's retry or resolve of a parked saga: appends `entries` (the audit and the refused
 * steps' new outcomes) and makes it due now, in one statement that only a still parked saga
 * passes — of two decisions at once, one wins. Undefined: not parked (any more).
 */
export async function unparkSaga(
  db: Queryable,
  id: number,
  entries: readonly SagaLogEntry[],
  note: string,
): Promise<SagaSummary | undefined> {
  const { rows } = await db.query<SagaSummaryRow>(
    `with unparked as (
       update sagas set parked_at = null, peer_answer = null, next_attempt_at = now(),
         last_error = $3, updated_at = now()
       where id = $1 and parked_at is not null and state in ('running', 'compensating')
       returning ${summaryColumns}),
     logged as (${insertLogFrom('unparked', '$2', 'greatest(unparked.attempts, 1)')})
     select * from unparked`,
    [id, logRecords(entries), note],
  );
  return rows[0] === undefined ? undefined : toSummary(rows[0]);
}

export async function readSagaLogRecords(db: Queryable, id: number): Promise<SagaLogRecord[]> {
  const { rows } = await db.query<SagaLogRecord>(
    `select step, outcome, detail, attempt, at from saga_log
     where saga_id = $1 and phase = 'outcome' order by id`,
    [id],
  );
  return rows;
}

export async function findSagaSummary(db: Queryable, id: number): Promise<SagaSummary | undefined> {
  const { rows } = await db.query<SagaSummaryRow>(
    `select ${summaryColumns} from sagas where id = $1`,
    [id],
  );
  return rows[0] === undefined ? undefined : toSummary(rows[0]);
}

/**
 * A saga is stuck when, not parked, it has ended `attempts` passes without a decision (peer outcomes unknown),
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
): Promise<
  { kind: SagaKind; step: string; inFlight: number; stuck: number; needsAttention: number }[]
> {
  const { rows } = await db.query<{
    kind: SagaKind;
    step: string;
    in_flight: number;
    stuck: number;
    needs_attention: number;
  }>(
    `select kind, split_part(step, ':', 1) as step, count(*)::int as in_flight,
       count(*) filter (where parked_at is null and (attempts >= $1
         or next_attempt_at < now() - make_interval(secs => $2)))::int as stuck,
       count(*) filter (where parked_at is not null)::int as needs_attention
     from sagas where state in ('running', 'compensating')
     group by kind, split_part(step, ':', 1)`,
    [stuckSaga.attempts, stuckSaga.dueForSeconds],
  );
  return rows.map((row) => ({
    kind: row.kind,
    step: row.step,
    inFlight: row.in_flight,
    stuck: row.stuck,
    needsAttention: row.needs_attention,
  }));
}
