import type { OrderStatus } from './order-status.js';

/**
 * What the order-event stream announces (issue 15): every status an order enters, `created` for
 * `pending`, and `needs_attention` when its saga is parked for an admin (its status unchanged).
 */
export const orderEventKinds = [
  'created',
  'paid',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'failed',
  'needs_attention',
] as const;

export type OrderEventKind = (typeof orderEventKinds)[number];

export const eventKindOf = (status: OrderStatus): OrderEventKind =>
  status === 'pending' ? 'created' : status;

/** The CloudEvents `type` of a kind: `<prefix>.order.<kind>`, e.g. `com.example.order.paid`. */
export const orderEventType = (prefix: string, kind: OrderEventKind): string =>
  `${prefix}.order.${kind}`;
