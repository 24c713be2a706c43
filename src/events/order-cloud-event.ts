import { CloudEvent } from 'cloudevents';
import type { StoredOrderEvent } from '../db/order-event-repository.js';
import { orderEventType } from '../domain/order-event.js';
import { orderView } from '../http/order-view.js';

/** Where the events say they come from, and the prefix of their types (EVENTS_* settings). */
export type EventIdentity = { source: string; typePrefix: string };

/** What an order event carries: the order as GET /api/orders/:id showed it then, and where from. */
export type OrderEventData = ReturnType<typeof orderView> & { previousStatus: string | null };

/**
 * The CloudEvents 1.0 form of an order event (structured mode: the whole event is the JSON body).
 * `id` is the row's, the same on every publish, so a consumer drops duplicates by it; `subject` is
 * the order id; `time` its change's commit; `traceparent` (the distributed-tracing extension)
 * the span that made the change, so a consumer's span joins the order's trace. Built with the
 * `cloudevents` package, which validates it against the specification.
 */
export function orderCloudEvent(
  event: StoredOrderEvent,
  identity: EventIdentity,
): CloudEvent<OrderEventData> {
  return new CloudEvent<OrderEventData>({
    specversion: '1.0',
    id: event.eventId,
    source: identity.source,
    type: orderEventType(identity.typePrefix, event.kind),
    subject: String(event.order.id),
    time: event.occurredAt.toISOString(),
    datacontenttype: 'application/json',
    data: { ...orderView(event.order), previousStatus: event.previousStatus },
    ...(event.traceparent === null ? {} : { traceparent: event.traceparent }),
  });
}
