import { trace } from '@opentelemetry/api';
import type { Pool, Queryable } from '../db/pool.js';
import type { RetentionBatch } from '../db/retention-repository.js';
import type { RelayedTable } from '../db/retention-repository.js';
import { deleteFinishedSagas, deleteSentRows } from '../db/retention-repository.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { detached, inSpan } from '../observability/tracing-spans.js';

export type RetentionOptions = {
  /** false (RETENTION_ENABLED=false): nothing is ever deleted. */
  isEnabled: boolean;
  /** At most one pass per this many ms in each process; the first at the recovery worker's start. */
  intervalMs: number;
  /** Finished sagas (completed, failed) unchanged for this many days go, with their saga_log. */
  sagaDays: number;
  /**
   * Outbox rows delivered, and order events published, this many days ago go. Undelivered and
   * unpublished rows never do.
   */
  outboxDays: number;
};

export type DeletedRows = { sagas: number; sagaLog: number; outbox: number; orderEvents: number };

export type RetentionDeps = {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  options: RetentionOptions;
  /** Rows per delete statement. */
  batchSize: number;
  /** Milliseconds on a monotonic clock; tests move it instead of waiting. */
  now?: () => number;
};

const tracer = trace.getTracer('order-service/retention');
const secondsPerDay = 86_400;

/**
 * Deletes, in batches of `batchSize` rows per statement, the finished sagas and delivered outbox
 * rows older than their retention age, and counts them in retention_deleted_rows_total. Orders,
 * their items and history, and Idempotency-Keys are kept (keys have their own expiry:
 * purgeIdempotencyKeys). Safe in every replica at once. `isStopped` ends it between batches.
 */
export async function deleteExpiredRows(
  deps: { pool: Queryable; metrics: Metrics },
  ages: Pick<RetentionOptions, 'sagaDays' | 'outboxDays'>,
  batchSize: number,
  isStopped: () => boolean = () => false,
): Promise<DeletedRows> {
  const deleted: DeletedRows = { sagas: 0, sagaLog: 0, outbox: 0, orderEvents: 0 };
  const counter = deps.metrics.retentionDeletedRows;
  const batch = (days: number, afterId: number): RetentionBatch => ({
    olderThanSeconds: days * secondsPerDay,
    limit: batchSize,
    afterId,
  });
  for (let afterId = 0; !isStopped();) {
    const result = await deleteFinishedSagas(deps.pool, batch(ages.sagaDays, afterId));
    deleted.sagas += result.sagas;
    deleted.sagaLog += result.sagaLog;
    counter.inc({ table: 'sagas' }, result.sagas);
    counter.inc({ table: 'saga_log' }, result.sagaLog);
    if (result.lastId === undefined || result.sagas < batchSize) break;
    afterId = result.lastId;
  }
  const relayed: [RelayedTable, 'outbox' | 'orderEvents'][] = [
    ['outbox', 'outbox'],
    ['order_events', 'orderEvents'],
  ];
  for (const [table, field] of relayed) {
    for (let afterId = 0; !isStopped();) {
      const result = await deleteSentRows(deps.pool, table, batch(ages.outboxDays, afterId));
      deleted[field] += result.deleted;
      counter.inc({ table }, result.deleted);
      if (result.lastId === undefined || result.deleted < batchSize) break;
      afterId = result.lastId;
    }
  }
  return deleted;
}

/**
 * The recovery worker's retention job: `runIfDue` at every tick starts a pass in the background
 * when none runs here and none started in the last `intervalMs` (tracked in this process; other
 * replicas run their own, and `skip locked` keeps them apart). A long first pass over a big
 * backlog never delays the recovery of sagas. A failed pass is logged and tried again after the
 * interval.
 */
export function createRetention(deps: RetentionDeps) {
  const now = deps.now ?? (() => performance.now());
  let lastStartedAtMs: number | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function pass(): Promise<void> {
    const startedAtMs = now();
    try {
      const deleted = await inSpan(tracer, 'retention pass', { root: true }, async (span) => {
        const counts = await deleteExpiredRows(deps, deps.options, deps.batchSize, () => stopped);
        span.setAttributes({
          'retention.sagas': counts.sagas,
          'retention.saga_log': counts.sagaLog,
          'retention.outbox': counts.outbox,
          'retention.order_events': counts.orderEvents,
        });
        return counts;
      });
      if (deleted.sagas + deleted.outbox + deleted.orderEvents > 0) {
        deps.logger.info('retention pass deleted rows', {
          ...deleted,
          durationMs: Math.round(now() - startedAtMs),
        });
      }
    } catch (error) {
      deps.logger.error('retention pass failed', { error });
    }
  }

  return {
    runIfDue(): void {
      if (!deps.options.isEnabled || stopped || running !== undefined) return;
      const nowMs = now();
      if (lastStartedAtMs !== undefined && nowMs - lastStartedAtMs < deps.options.intervalMs) {
        return;
      }
      lastStartedAtMs = nowMs;
      running = detached(pass).finally(() => {
        running = undefined;
      });
    },
    /** Resolves when no pass runs. */
    idle: (): Promise<void> => running ?? Promise.resolve(),
    /** Starts no new pass; the running one ends after its current statement. */
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
