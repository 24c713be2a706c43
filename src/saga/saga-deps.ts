import type { Order } from '../domain/order.js';
import type { FailureCause } from '../domain/order-saga.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { PaymentClient } from '../peers/payment-client.js';
import type { ProductClient } from '../peers/product-client.js';
import type { PausePoint } from './pause-point.js';

export type SagaDeps = {
  pool: Pool;
  products: ProductClient;
  payments: PaymentClient;
  logger: Logger;
  metrics: Metrics;
  leaseSeconds: number;
  /** Delay before the next try after an unknown outcome, by attempts so far. */
  retryDelayMs: (attempts: number) => number;
  /** Called after a transaction that queued notifications (and order events) commits. */
  onNotificationsQueued: () => void;
  /** Write an order event with every status change, for the broker (EVENTS_BROKER_URL set). */
  recordsOrderEvents: boolean;
  /** Saga runs under way in this process; shutdown waits for them within its grace period. */
  inFlight: Set<Promise<unknown>>;
  /** Tests only: may never resolve, so a test can kill the process there (pause-point.ts). */
  pause?: PausePoint | undefined;
};

export type SagaRunResult =
  | {
      kind: 'finished';
      order: Order;
      status: OrderStatus;
      cause?: FailureCause;
      productIds: readonly number[];
    }
  | { kind: 'waiting'; reason: string }
  | { kind: 'lease-lost' };

/** The saga's lease is gone: another runner took over, or it lapsed; this run stops. */
export class LeaseLostError extends Error {
  constructor() {
    super('saga lease lost');
  }
}
