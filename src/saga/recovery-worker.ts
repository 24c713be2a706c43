import { trace } from '@opentelemetry/api';
import type { Pool } from '../db/pool.js';
import { claimDueSagas } from '../db/saga-lease-repository.js';
import type { Saga } from '../db/saga-row.js';
import type { Logger } from '../observability/logger.js';
import { detached, inLinkedTrace } from '../observability/tracing-spans.js';
import type { Retention } from './retention.js';
import type { SagaDeps } from './saga-deps.js';
import { runSaga } from './saga-runner.js';

export type RecoveryWorkerDeps = {
  pool: Pool;
  sagaDeps: SagaDeps;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
  /** Also called every interval: the outbox relay's pass. */
  onTick: () => Promise<void>;
  /** Asked at every tick; it starts a pass in the background at most once per its own interval. */
  retention: Retention;
};

const tracer = trace.getTracer('order-service/saga');

/**
 * At start and every `intervalMs`, leases unfinished sagas that are due (a crashed replica's
 * once its lease lapses) and drives each forward with the same keys, or to `failed`; then lets
 * the retention job delete old finished rows when its own interval has passed.
 */
export function createRecoveryWorker(deps: RecoveryWorkerDeps) {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;

  async function tick(): Promise<void> {
    try {
      for (;;) {
        const sagas = await claimDueSagas(deps.pool, deps.batchSize, deps.sagaDeps.leaseSeconds);
        await Promise.all(sagas.map((saga) => recover(saga)));
        if (sagas.length < deps.batchSize || stopped) break;
      }
      await deps.onTick();
      deps.sagaDeps.metrics.recoveryRuns.inc({ outcome: 'completed' });
    } catch (error) {
      deps.sagaDeps.metrics.recoveryRuns.inc({ outcome: 'failed' });
      deps.logger.error('saga recovery pass failed', { error });
    }
    if (!stopped) deps.retention.runIfDue();
  }

  /** A new trace per recovered saga, linked to the trace of the request that created it. */
  function recover(saga: Saga) {
    const attributes = {
      'order.id': saga.orderId,
      'saga.id': saga.id,
      'saga.kind': saga.kind,
      'saga.attempt': saga.attempts + 1,
    };
    return inLinkedTrace(tracer, 'saga recover', saga.traceparent, attributes, async (span) => {
      const result = await runSaga(deps.sagaDeps, saga, {
        requestId: saga.requestId ?? `saga-${saga.id}`,
      });
      span.setAttribute('saga.outcome', result.kind === 'finished' ? result.status : result.kind);
      return result;
    });
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      current = detached(tick).finally(schedule);
    }, deps.intervalMs);
    timer.unref();
  }

  return {
    start(): void {
      current = detached(tick).finally(schedule);
    },
    /** Runs one pass now (tests, admin retry), outside the caller's trace. */
    runOnce: () => detached(tick),
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current;
      await deps.retention.stop();
    },
  };
}

export type RecoveryWorker = ReturnType<typeof createRecoveryWorker>;
