import type { PeerAnswer } from '../domain/saga-attention.js';
import type { SagaLogEntry, StockOutcome } from '../domain/saga-log.js';
import {
  chargeOutcomes,
  isOneOf,
  outcomeOf,
  refundOutcomes,
  stockOutcomes,
} from '../domain/saga-log.js';
import { isActorLabel } from '../domain/actor.js';
import type { Queryable } from './pool.js';
import type { Saga, SagaRow } from './saga-row.js';
import { sagaColumns, toSaga } from './saga-row.js';

export type SagaLease = { sagaId: number; leaseToken: string; leaseSeconds: number };

type LogRow = { step: string; phase: string; outcome: string | null; detail: unknown };

/** saga_log rows as `jsonb_to_recordset` reads them back in the statement that writes them. */
export function logRecords(entries: readonly SagaLogEntry[]): string {
  return JSON.stringify(
    entries.map((entry) => {
      const { step, ...detail } = entry;
      return { step, outcome: outcomeOf(entry), detail };
    }),
  );
}

/** Appends `$n` (logRecords) to the log of the saga whose id the CTE `owner` returns. */
export const insertLogFrom = (owner: string, records: string, attempt: string) =>
  `insert into saga_log (saga_id, step, phase, outcome, detail, attempt)
   select ${owner}.id, e.step, 'outcome', e.outcome, e.detail, ${attempt}
   from ${owner}, jsonb_to_recordset(${records}::jsonb) as e(step text, outcome text, detail jsonb)`;

/**
 * The saga's recorded outcomes, oldest first. Rows written before issue 12 are read too: their
 * intents say nothing (a step without an outcome is sent again), and a per-item stock outcome
 * (`decrease-stock:42`) is one item of the stock step.
 */
export async function readSagaLog(db: Queryable, sagaId: number): Promise<SagaLogEntry[]> {
  const { rows } = await db.query<LogRow>(
    `select step, phase, outcome, detail from saga_log where saga_id = $1 order by id`,
    [sagaId],
  );
  return rows.flatMap((row) => {
    const entry = toLogEntry(row);
    return entry === undefined ? [] : [entry];
  });
}

function toLogEntry(row: LogRow): SagaLogEntry | undefined {
  const { outcome } = row;
  if (row.phase !== 'outcome' || outcome === null) return undefined;
  const detail = new Map<string, unknown>(
    typeof row.detail === 'object' && row.detail !== null ? Object.entries(row.detail) : [],
  );
  const stock = /^(decrease-stock|increase-stock)(?::(\d+))?$/.exec(row.step);
  if (stock !== null) {
    const step = stock[1] === 'decrease-stock' ? 'decrease-stock' : 'increase-stock';
    const given = stock[2] === undefined ? detail.get('items') : { [stock[2]]: outcome };
    const items: Record<string, StockOutcome> = {};
    if (typeof given === 'object' && given !== null) {
      for (const [id, itemOutcome] of Object.entries(given)) {
        if (isOneOf(stockOutcomes, itemOutcome)) items[id] = itemOutcome;
      }
    }
    const status = detail.get('status');
    return { step, items, ...(typeof status === 'number' ? { status } : {}) };
  }
  const text = (key: string) => {
    const value = detail.get(key);
    return typeof value === 'string' ? { [key]: value } : {};
  };
  const status = (() => {
    const value = detail.get('status');
    return typeof value === 'number' ? { status: value } : {};
  })();
  if (row.step === 'charge' && isOneOf(chargeOutcomes, outcome)) {
    return {
      step: 'charge',
      outcome,
      ...text('paymentId'),
      ...text('reason'),
      ...text('chargedAmount'),
      ...status,
    };
  }
  if (row.step === 'refund' && isOneOf(refundOutcomes, outcome)) {
    return { step: 'refund', outcome, ...status };
  }
  const actor = detail.get('actor');
  if (
    row.step === 'admin' &&
    isOneOf(['retry', 'resolve'] as const, outcome) &&
    isActorLabel(actor)
  ) {
    const reason = detail.get('reason');
    return {
      step: 'admin',
      action: outcome,
      actor,
      reason: typeof reason === 'string' ? reason : null,
    };
  }
  return undefined;
}

/**
 * A checkpoint: appends `entries` while `lease` still holds the saga (fencing: a runner paused
 * past its lease records nothing) and renews the lease, or — with `retry` — gives the lease back
 * and schedules the next attempt. Returns the saga as it stands after the write (a cancel
 * request or a passed deadline included); undefined when the lease is lost.
 *
 * Committed without waiting for the WAL flush (`synchronous_commit = off` for this transaction
 * only): a checkpoint lost in a crash costs a re-send with the same key, never an outcome —
 * unlike the stored order and a final state, which always wait for it.
 */
export async function recordSagaProgress(
  db: Queryable,
  lease: SagaLease,
  progress: {
    entries: readonly SagaLogEntry[];
    step: string;
    isCompensating: boolean;
    attempt: number;
    retry?: { delayMs: number; error: string } | undefined;
  },
): Promise<Saga | undefined> {
  const { retry } = progress;
  const { rows } = await db.query<SagaRow>({
    name: retry === undefined ? 'save-saga-progress' : 'retry-saga-later',
    text: `with lease as (
       update sagas
       set step = $3, updated_at = now(),
           state = case when $4 then 'compensating' else state end,
           ${
             retry === undefined
               ? 'locked_until = now() + make_interval(secs => $7)'
               : `lease_token = null, locked_until = null, attempts = attempts + 1,
                  last_error = $7, next_attempt_at = now() + make_interval(secs => $8)`
           }
       where id = $1 and lease_token = $2 and locked_until > now()
       returning ${sagaColumns}),
     logged as (${insertLogFrom('lease', '$5', '$6')})
     select lease.*, set_config('synchronous_commit', 'off', true) from lease`,
    values: [
      lease.sagaId,
      lease.leaseToken,
      progress.step,
      progress.isCompensating,
      logRecords(progress.entries),
      progress.attempt,
      ...(retry === undefined ? [lease.leaseSeconds] : [retry.error, retry.delayMs / 1000]),
    ],
  });
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}

/**
 * Parks the saga (issue 13, point 2): a peer refused `step` with an answer no retry can fix.
 * Appends the unsaved entries, gives the lease back and makes the saga never due, until an admin
 * retries or resolves it. Fenced by the lease like every runner write; false when it is lost.
 */
export async function parkSaga(
  db: Queryable,
  lease: SagaLease,
  park: {
    entries: readonly SagaLogEntry[];
    step: string;
    isCompensating: boolean;
    attempt: number;
    answer: PeerAnswer;
    /** Also write the order's `needs_attention` event for the broker (EVENTS_BROKER_URL set). */
    recordsEvent: boolean;
  },
): Promise<boolean> {
  const { service, operation, status } = park.answer;
  const { rowCount } = await db.query(
    `with parked as (
       update sagas
       set step = $3, updated_at = now(),
           state = case when $4 then 'compensating' else state end,
           lease_token = null, locked_until = null, attempts = attempts + 1, last_error = $7,
           parked_at = now(), peer_answer = $8::jsonb, next_attempt_at = 'infinity'
       where id = $1 and lease_token = $2 and locked_until > now()
       returning id, order_id, traceparent),
     logged as (${insertLogFrom('parked', '$5', '$6')}),
     order_event as (
       insert into order_events (order_id, kind, status, previous_status, version, payment_id,
         occurred_at, traceparent)
       select o.id, 'needs_attention', o.status, o.status, o.version, o.payment_id, now(),
         parked.traceparent
       from parked join orders o on o.id = parked.order_id
       where $9::boolean)
     select id from parked`,
    [
      lease.sagaId,
      lease.leaseToken,
      park.step,
      park.isCompensating,
      logRecords(park.entries),
      park.attempt,
      `${service} ${operation} answered ${status === null ? 'no status' : String(status)}`,
      JSON.stringify(park.answer),
      park.recordsEvent,
    ],
  );
  return rowCount === 1;
}

/** Gives the lease back and schedules the next attempt (after a fault in the runner). */
export async function scheduleSagaRetry(
  db: Queryable,
  lease: { sagaId: number; leaseToken: string },
  retry: { delayMs: number; error: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update sagas set lease_token = null, locked_until = null, attempts = attempts + 1,
       last_error = $4, next_attempt_at = now() + make_interval(secs => $3), updated_at = now()
     where id = $1 and lease_token = $2`,
    [lease.sagaId, lease.leaseToken, retry.delayMs / 1000, retry.error],
  );
  return rowCount === 1;
}
