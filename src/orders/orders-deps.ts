import type { OutboxRelay } from '../saga/outbox-relay.js';
import type { SagaDeps } from '../saga/saga-deps.js';

/** What the order use cases need, passed as one plain argument. */
export type OrdersDeps = SagaDeps & {
  currency: string;
  sagaDeadlineMs: number;
  /** How long a request waits for its saga before answering 202. */
  responseDeadlineMs: number;
  relay: OutboxRelay;
  /** Runs a recovery pass soon (admin retry). */
  wakeRecovery: () => void;
};
