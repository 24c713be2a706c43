import type { HistoryEntry, Order } from '../domain/order.js';
import { formatCents } from '../domain/money.js';

/** The order resource of order-api.md: money as two-decimal strings, ISO timestamps. */
export function orderView(order: Order) {
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    totalAmount: formatCents(order.totalCents),
    currency: order.currency,
    shippingAddress: order.shippingAddress,
    items: order.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      price: formatCents(item.priceCents),
    })),
    paymentId: order.paymentId,
    version: order.version,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

export type OrderView = ReturnType<typeof orderView>;

export const historyView = (entry: HistoryEntry) => ({
  from: entry.from,
  to: entry.to,
  actor: entry.actor,
  reason: entry.reason,
  at: entry.at.toISOString(),
});

export const orderLocation = (id: number): string => `/api/orders/${id}`;
