import { SpanKind, context, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import type { StoredOrderEvent } from '../db/order-event-repository.js';
import {
  claimOrderEvents,
  markOrderEventsPublished,
  releaseOrderEvents,
} from '../db/order-event-repository.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { activeTraceparent, spanContextOf } from '../observability/tracing-context.js';
import { recordError } from '../observability/tracing-spans.js';
import { backoffDelayMs } from '../saga/backoff.js';
import { coalescedPasses } from '../saga/coalesced-passes.js';
import type { BrokerMessage, EventTransport } from './event-transport.js';
import type { EventIdentity } from './order-cloud-event.js';
import { orderCloudEvent } from './order-cloud-event.js';

export type OrderEventRelayDeps = {
  pool: Pool;
  transport: EventTransport;
  identity: EventIdentity;
  /** The exchange (or subject) the transport publishes to, for the spans. */
  destination: string;
  logger: Logger;
  metrics: Metrics;
  leaseSeconds: number;
  batchSize: number;
};

const tracer = trace.getTracer('order-service/events');

/** While the broker is unreachable: 0.5 s doubling to 10 s between tries, whatever the backlog. */
const reconnectDelayMs = (failures: number): number => Math.min(10_000, 500 * 2 ** failures);

/**
 * Publishes the order events at least once, each order's in the order they were written: a pass
 * claims the oldest unpublished event of each order (order-event-repository.ts), publishes them
 * together, and marks those the broker confirmed; the orders' next events become claimable only
 * then. While the broker is unreachable nothing is lost or reordered: the events stay in the
 * table, orders are still taken, and the relay tries again with backoff, then drains the backlog.
 */
export function createOrderEventRelay(deps: OrderEventRelayDeps) {
  let failures = 0;
  let retryAt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let isStopped = false;

  async function publishDue(): Promise<void> {
    while (Date.now() >= retryAt && !isStopped) {
      const events = await claimOrderEvents(deps.pool, deps.batchSize, deps.leaseSeconds);
      if (events.length === 0) return;
      if (!(await publishBatch(events))) return;
    }
  }

  /** False when the broker could not be reached: the pass stops and a retry is scheduled. */
  async function publishBatch(events: readonly StoredOrderEvent[]): Promise<boolean> {
    const spans = events.map(startPublishSpan);
    const messages = events.map((event, index) => toMessage(event, spans[index]));
    const started = process.hrtime.bigint();
    let confirmed: ReadonlySet<string>;
    try {
      confirmed = await deps.transport.publish(messages);
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      deps.metrics.orderEventPublishFailures.inc({ reason: 'unreachable' }, events.length);
      const message = error instanceof Error ? error.message : String(error);
      await releaseOrderEvents(
        deps.pool,
        events.map((event) => event.id),
        { delayMs: 0, error: message },
      );
      brokerUnreachable(message);
      return false;
    }
    deps.metrics.orderEventConfirmDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    failures = 0;
    const published = events.filter((event) => confirmed.has(event.eventId));
    const refused = events.filter((event) => !confirmed.has(event.eventId));
    await markOrderEventsPublished(
      deps.pool,
      published.map((event) => event.id),
    );
    for (const message of messages.filter((each) => confirmed.has(each.id))) {
      deps.metrics.orderEventsPublished.inc({ type: message.type });
    }
    events.forEach((event, index) => {
      endSpan(spans[index], confirmed.has(event.eventId) ? undefined : new Error('nacked'));
    });
    if (refused.length > 0) {
      deps.metrics.orderEventPublishFailures.inc({ reason: 'refused' }, refused.length);
      deps.logger.warn('order events refused by the broker; will retry', {
        eventIds: refused.map((event) => event.eventId),
      });
      for (const event of refused) {
        await releaseOrderEvents(deps.pool, [event.id], {
          delayMs: backoffDelayMs(event.attempts),
          error: 'refused by the broker (nack)',
        });
      }
    }
    return true;
  }

  /**
   * A PRODUCER span per event, a child of the span that made the change (its stored
   * traceparent), so the publish shows in the order's trace; the event's own `traceparent` is
   * this span, so a consumer's span continues the same trace.
   */
  function startPublishSpan(event: StoredOrderEvent): Span {
    const changedBy = spanContextOf(event.traceparent);
    const parent =
      changedBy === undefined
        ? context.active()
        : trace.setSpanContext(context.active(), changedBy);
    return tracer.startSpan(
      `publish ${deps.destination}`,
      {
        kind: SpanKind.PRODUCER,
        root: changedBy === undefined,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'publish',
          'messaging.destination.name': deps.destination,
          'messaging.message.id': event.eventId,
          'order.id': event.order.id,
          'order.event.kind': event.kind,
          'order.event.attempt': event.attempts,
        },
      },
      parent,
    );
  }

  function toMessage(event: StoredOrderEvent, span: Span | undefined): BrokerMessage {
    const traceparent =
      span === undefined
        ? event.traceparent
        : context.with(trace.setSpan(context.active(), span), activeTraceparent);
    const cloudEvent = orderCloudEvent({ ...event, traceparent }, deps.identity);
    return {
      id: cloudEvent.id,
      type: cloudEvent.type,
      body: Buffer.from(JSON.stringify(cloudEvent)),
      time: event.occurredAt,
    };
  }

  function brokerUnreachable(message: string): void {
    const delayMs = reconnectDelayMs(failures);
    failures += 1;
    retryAt = Date.now() + delayMs;
    deps.logger.warn('order events: broker unreachable; events wait in the table', {
      error: message,
      retryInMs: delayMs,
    });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      void kick();
    }, delayMs);
    retryTimer.unref();
  }

  const passes = coalescedPasses(publishDue, (error) => {
    deps.logger.error('order event relay pass failed', { error });
  });
  const kick = (): Promise<void> => (isStopped ? Promise.resolve() : passes.kick());

  return {
    kick,
    idle: passes.idle,
    async stop(): Promise<void> {
      isStopped = true;
      clearTimeout(retryTimer);
      await passes.idle();
      await deps.transport.close();
    },
  };
}

function endSpan(span: Span | undefined, error: unknown): void {
  if (span === undefined) return;
  if (error !== undefined) recordError(span, error);
  span.end();
}

export type OrderEventRelay = ReturnType<typeof createOrderEventRelay>;
