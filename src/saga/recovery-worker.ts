import type { Pool } from '../db/pool.js';
import { claimDueSagas } from '../db/saga-repository.js';
import type { Logger } from '../observability/logger.js';
import type { SagaDeps } from './saga-runner.js';
import { runSaga } from './saga-runner.js';

export type RecoveryWorkerDeps = {
  pool: Pool;
  sagaDeps: SagaDeps;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
  /** Also called every interval: the outbox relay's pass. */
  onTick: () => Promise<void>;
};

/**
 * At start and every `intervalMs`, leases unfinished sagas that are due (a crashed replica's
 * once its lease lapses) and drives each forward with the same keys, or to `failed`.
 */
export function createRecoveryWorker(deps: RecoveryWorkerDeps) {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;

  async function tick(): Promise<void> {
    try {
      for (;;) {
        const sagas = await claimDueSagas(deps.pool, deps.batchSize, deps.sagaDeps.leaseSeconds);
        await Promise.all(
          sagas.map((saga) =>
            runSaga(deps.sagaDeps, saga, { requestId: saga.requestId ?? `saga-${saga.id}` }),
          ),
        );
        if (sagas.length < deps.batchSize || stopped) break;
      }
      await deps.onTick();
    } catch (error) {
      deps.logger.error('saga recovery pass failed', { error });
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, deps.intervalMs);
    timer.unref();
  }

  return {
    start(): void {
      current = tick().finally(schedule);
    },
    /** Runs one pass now (tests, admin retry). */
    runOnce: tick,
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current;
    },
  };
}

export type RecoveryWorker = ReturnType<typeof createRecoveryWorker>;
