import type { ActorLabel } from './actor.js';
import type { Cents } from './money.js';
import { multiplyCents, sumCents } from './money.js';
import type { OrderId, ProductId, UserId } from './ids.js';
import type { OrderStatus } from './order-status.js';

export type ShippingAddress = {
  readonly name?: string | undefined;
  readonly street: string;
  readonly city: string;
  readonly state?: string | undefined;
  readonly postalCode: string;
  readonly country: string;
};

export type OrderItem = {
  readonly productId: ProductId;
  readonly quantity: number;
  /** Unit price from the Product Service when the order was placed. */
  readonly priceCents: Cents;
};

export type Order = {
  readonly id: OrderId;
  readonly userId: UserId;
  readonly status: OrderStatus;
  readonly totalCents: Cents;
  readonly currency: string;
  readonly shippingAddress: ShippingAddress;
  readonly items: readonly OrderItem[];
  readonly paymentId: string | null;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

export type OrderLine = { readonly productId: ProductId; readonly quantity: number };

/** The largest total the schema stores: numeric(14, 2). */
export const maxOrderTotalCents = 99_999_999_999_999;

/** totalAmount = Σ price × quantity, in integer cents. */
export const orderTotal = (items: readonly OrderItem[]): Cents =>
  sumCents(items.map((item) => multiplyCents(item.priceCents, item.quantity)));

/** Whether Σ price × quantity would pass what an order can hold (compared before computing it). */
export const exceedsMaxTotal = (items: readonly OrderItem[]): boolean =>
  items.reduce((total, item) => total + item.priceCents * item.quantity, 0) > maxOrderTotalCents;

/** The notification types of peer-services.md, each queued when the order enters a state. */
export type NotificationType =
  'order.created' | 'order.paid' | 'order.failed' | 'order.cancelled' | 'order.status_changed';

/**
 * The notification an order queues as it enters `to`: from `from`, or null when it is created;
 * with the reason given for the change, if any.
 */
export function statusNotification(
  from: OrderStatus | null,
  to: OrderStatus,
  reason: string | null,
): { type: NotificationType; data: Record<string, unknown> } {
  return {
    type: notificationFor(to),
    data: {
      status: to,
      ...(from === null ? {} : { previousStatus: from }),
      ...(reason === null ? {} : { reason }),
    },
  };
}

export function notificationFor(status: OrderStatus): NotificationType {
  switch (status) {
    case 'pending':
      return 'order.created';
    case 'paid':
      return 'order.paid';
    case 'failed':
      return 'order.failed';
    case 'cancelled':
      return 'order.cancelled';
    case 'processing':
    case 'shipped':
    case 'delivered':
      return 'order.status_changed';
  }
}

/** One status change of an order's audit trail. */
export type HistoryEntry = {
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly actor: ActorLabel;
  readonly reason: string | null;
  readonly at: Date;
};
