import { trace } from '@opentelemetry/api';
import type { OutboxEvent } from '../db/outbox-repository.js';
import {
  claimDueEvents,
  markEventsDelivered,
  scheduleEventRetry,
} from '../db/outbox-repository.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../observability/logger.js';
import { inLinkedTrace } from '../observability/tracing-spans.js';
import type { NotificationClient } from '../peers/notification-client.js';
import { notificationKey } from '../peers/peer-keys.js';
import { backoffDelayMs } from './backoff.js';
import { coalescedPasses } from './coalesced-passes.js';

export type OutboxRelayDeps = {
  pool: Pool;
  notifications: NotificationClient;
  logger: Logger;
  leaseSeconds: number;
  batchSize: number;
};

const tracer = trace.getTracer('order-service/outbox');

/**
 * Delivers queued notifications at least once, each with a stable per-event Idempotency-Key.
 * A Notification Service outage only delays this loop; orders never wait for it.
 */
export function createOutboxRelay(deps: OutboxRelayDeps) {
  async function deliverDue(): Promise<void> {
    for (;;) {
      const events = await claimDueEvents(deps.pool, deps.batchSize, deps.leaseSeconds);
      if (events.length === 0) return;
      const delivered = await Promise.all(events.map((event) => deliverInTrace(event)));
      await markEventsDelivered(
        deps.pool,
        events.filter((_, i) => delivered[i]).map((event) => event.id),
      );
      if (events.length < deps.batchSize) return;
    }
  }

  /** A new trace per delivery, linked to the trace of the change that queued the event. */
  function deliverInTrace(event: OutboxEvent): Promise<boolean> {
    const attributes = {
      'order.id': event.orderId,
      'outbox.event_id': event.id,
      'outbox.type': event.type,
      'outbox.attempt': event.attempts,
    };
    return inLinkedTrace(tracer, 'outbox deliver', event.traceparent, attributes, () =>
      deliver(event),
    );
  }

  /** True when delivered (marked by the caller with the rest of its pass); else rescheduled. */
  async function deliver(event: OutboxEvent): Promise<boolean> {
    const result = await deps.notifications.notify(
      {
        userId: event.userId,
        orderId: event.orderId,
        type: event.type,
        data: { ...event.data, orderId: event.orderId },
        idempotencyKey: notificationKey(event.orderId, event.id),
      },
      { requestId: `outbox-${event.id}` },
    );
    if (result.kind === 'delivered') return true;
    const error = result.kind === 'rejected' ? `rejected ${result.status}` : 'no answer';
    deps.logger.warn('notification not delivered; will retry', {
      orderId: event.orderId,
      eventId: event.id,
      error,
    });
    await scheduleEventRetry(deps.pool, event.id, backoffDelayMs(event.attempts), error);
    return false;
  }

  return coalescedPasses(deliverDue, (error) => {
    deps.logger.error('outbox relay pass failed', { error });
  });
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
