import type { OutboxRelay } from '../saga/outbox-relay.js';
import type { SagaDeps } from '../saga/saga-deps.js';

/** What the order use cases need, passed as one plain argument. */
export type OrdersDeps = SagaDeps & {
  currency: string;
  sagaDeadlineMs: number;
  /** How long a request waits for its saga before answering 202. */
  responseDeadlineMs: number;
  /**
   * How long a request holds its Idempotency-Key: longer than the request can take (its product
   * lookups with their retries, then the response deadline), so a retry with the same key meets
   * 409 while it runs, never a second order.
   */
  idempotencyLockSeconds: number;
  relay: OutboxRelay;
  /** Runs a recovery pass soon (admin retry). */
  wakeRecovery: () => void;
};
