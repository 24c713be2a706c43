import type { OrderEventKind } from '../domain/order-event.js';
import type { OrderStatus } from '../domain/order-status.js';
import { paidOrder } from '../http/openapi-examples.js';

/**
 * The life of order 17 of /openapi.json's examples (user 42, two of product 1 at 29.99) as its
 * events, one per kind, for the AsyncAPI document's message examples. Each is what the service
 * would publish: the order at the event, and the status it left.
 */
type ExampleChange = {
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  version: number;
  paymentId: string | null;
  /** The change's commit: CloudEvents `time` and the data's `updatedAt`. */
  at: string;
  summary: string;
};

const paymentId = paidOrder.paymentId;

export const exampleChanges: Record<OrderEventKind, ExampleChange> = {
  created: {
    status: 'pending',
    previousStatus: null,
    version: 1,
    paymentId: null,
    at: '2026-11-24T10:00:00.000Z',
    summary: 'Order 17 placed: stored as pending',
  },
  paid: {
    status: 'paid',
    previousStatus: 'pending',
    version: 2,
    paymentId,
    at: '2026-11-24T10:00:01.250Z',
    summary: 'Order 17 charged',
  },
  processing: {
    status: 'processing',
    previousStatus: 'paid',
    version: 3,
    paymentId,
    at: '2026-11-24T11:00:00.000Z',
    summary: 'An admin moved order 17 to processing',
  },
  shipped: {
    status: 'shipped',
    previousStatus: 'processing',
    version: 4,
    paymentId,
    at: '2026-11-25T09:30:00.000Z',
    summary: 'Order 17 shipped',
  },
  delivered: {
    status: 'delivered',
    previousStatus: 'shipped',
    version: 5,
    paymentId,
    at: '2026-11-26T14:12:00.000Z',
    summary: 'Order 17 delivered',
  },
  cancelled: {
    status: 'cancelled',
    previousStatus: 'paid',
    version: 3,
    paymentId,
    at: '2026-11-24T10:05:00.000Z',
    summary: 'Order 17 cancelled by its user: refunded and restocked',
  },
  failed: {
    status: 'failed',
    previousStatus: 'pending',
    version: 2,
    paymentId: null,
    at: '2026-11-24T10:00:30.000Z',
    summary: 'Order 17 failed: its saga passed its deadline before the charge; stock put back',
  },
  needs_attention: {
    status: 'paid',
    previousStatus: 'paid',
    version: 2,
    paymentId,
    at: '2026-11-24T10:05:00.500Z',
    summary:
      'The cancel saga of order 17 was parked: the Payment Service refused the refund (403); status unchanged',
  },
};

/** A CloudEvent as the service publishes it, for `kind`, with these settings. */
export function exampleOrderEvent(
  kind: OrderEventKind,
  identity: { source: string; type: string },
): Record<string, unknown> {
  const change = exampleChanges[kind];
  return {
    specversion: '1.0',
    id: exampleEventIds[kind],
    source: identity.source,
    type: identity.type,
    subject: String(paidOrder.id),
    time: change.at,
    datacontenttype: 'application/json',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    data: {
      ...paidOrder,
      status: change.status,
      paymentId: change.paymentId,
      version: change.version,
      updatedAt: change.at,
      previousStatus: change.previousStatus,
    },
  };
}

const exampleEventIds: Record<OrderEventKind, string> = {
  created: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a01',
  paid: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a02',
  processing: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a03',
  shipped: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a04',
  delivered: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a05',
  cancelled: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a06',
  failed: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a07',
  needs_attention: '0b5e3f8a-5d1c-4f0e-9a4b-2f1c7d9e8a08',
};
