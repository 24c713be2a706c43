import type { OrderToCheck } from '../db/invariant-repository.js';
import { cents, formatCents } from '../domain/money.js';
import { holdsCharge } from '../domain/order-status.js';
import type { Violation } from './invariant-report.js';
import type { PaymentRecord, StockChange } from './sandbox-ledgers.js';

/**
 * peer-services.md's invariants, per settled order. The per-product form ("stock now = stock
 * before − Σ quantities of holding orders") follows from the per-order stock rule summed over
 * the orders that touched the product, and unlike it needs no baseline.
 */

/** Net units taken at the Product Service per product: Σ decrease − Σ increase. */
export function unitsTakenByProduct(changes: readonly StockChange[]): Map<number, number> {
  const taken = new Map<number, number>();
  for (const change of changes) {
    const delta = change.kind === 'decrease' ? change.quantity : -change.quantity;
    taken.set(change.productId, (taken.get(change.productId) ?? 0) + delta);
  }
  return taken;
}

/** Every product an order holds or moved stock of, in id order. */
export function productsTouched(order: OrderToCheck, changes: readonly StockChange[]): number[] {
  const ids = new Set<number>([
    ...order.items.map((item) => item.productId),
    ...changes.map((change) => change.productId),
  ]);
  return [...ids].sort((a, b) => a - b);
}

/** Stock: the item quantity is taken while the order holds its charge, nothing otherwise. */
export function stockViolations(order: OrderToCheck, changes: readonly StockChange[]): Violation[] {
  const holds = holdsCharge(order.status);
  const quantities = new Map<number, number>(
    order.items.map((item) => [item.productId, item.quantity]),
  );
  const taken = unitsTakenByProduct(changes);
  return productsTouched(order, changes).flatMap((productId) => {
    const expected = holds ? (quantities.get(productId) ?? 0) : 0;
    const actual = taken.get(productId) ?? 0;
    if (actual === expected) return [];
    return [
      {
        kind: 'stock',
        orderId: order.id,
        productId,
        expected: String(expected),
        actual: String(actual),
        message: `order ${String(order.id)} (${order.status}) has ${String(actual)} units of product ${String(productId)} taken at the Product Service; expected ${String(expected)}`,
      },
    ];
  });
}

/** Money: net charged is the total while the order holds its charge, nothing otherwise. */
export function chargeViolations(order: OrderToCheck, netCents: number): Violation[] {
  const expectedCents = holdsCharge(order.status) ? order.totalCents : 0;
  if (netCents === expectedCents) return [];
  return [
    {
      kind: 'charge',
      orderId: order.id,
      expected: signedAmount(expectedCents),
      actual: signedAmount(netCents),
      message: `order ${String(order.id)} (${order.status}) has ${signedAmount(netCents)} net charged at the Payment Service; expected ${signedAmount(expectedCents)}`,
    },
  ];
}

/** A payment that took money, even if refunded since: two of them are a double charge. */
const tookMoney = new Set(['succeeded', 'refunded', 'partially_refunded']);

export function doubleChargeViolations(
  order: OrderToCheck,
  payments: readonly PaymentRecord[],
): Violation[] {
  const charged = payments.filter((payment) => tookMoney.has(payment.status));
  if (charged.length <= 1) return [];
  const ids = charged.map((payment) => payment.id).join(', ');
  return [
    {
      kind: 'double-charge',
      orderId: order.id,
      expected: 'at most 1 charged payment',
      actual: `${String(charged.length)} (${ids})`,
      message: `order ${String(order.id)} (${order.status}) was charged ${String(charged.length)} times: ${ids}`,
    },
  ];
}

/** A pending order with no saga left to drive it can never settle. */
export function pendingViolations(order: OrderToCheck): Violation[] {
  if (order.status !== 'pending' || order.isSettling) return [];
  return [
    {
      kind: 'pending',
      orderId: order.id,
      expected: 'a running saga, or a status other than pending',
      actual: 'pending with no running or compensating saga',
      message: `order ${String(order.id)} is pending with no saga left to settle it`,
    },
  ];
}

// formatCents takes non-negative cents; a net charge below zero (refunded more than charged)
// is exactly what this check must be able to print.
const signedAmount = (amount: number): string =>
  `${amount < 0 ? '-' : ''}${formatCents(cents(Math.abs(amount)))}`;
