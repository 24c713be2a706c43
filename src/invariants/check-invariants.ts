import type { OrderToCheck } from '../db/invariant-repository.js';
import { listOrdersToCheck } from '../db/invariant-repository.js';
import type { Queryable } from '../db/pool.js';
import type { InvariantReport, Violation } from './invariant-report.js';
import {
  chargeViolations,
  doubleChargeViolations,
  pendingViolations,
  productsTouched,
  stockViolations,
  unitsTakenByProduct,
} from './order-rules.js';
import type { PaymentRecord, StockChange } from './sandbox-ledgers.js';
import { readNetCharges, readPayments, readStockLedger } from './sandbox-ledgers.js';

export type { InvariantReport, Violation } from './invariant-report.js';
export { formatReport } from './invariant-report.js';

export type CheckInvariantsDeps = {
  db: Queryable;
  productServiceUrl: string;
  paymentServiceUrl: string;
  /** Only these orders; all orders when absent. */
  orderIds?: readonly number[];
  fetch?: typeof fetch;
};

/** What the peers applied, grouped by order; `undefined` where a ledger could not be read. */
type Ledgers = {
  mode: InvariantReport['mode'];
  stock: Map<number, StockChange[]> | undefined;
  netCents: Map<number, number> | undefined;
  payments: Map<number, PaymentRecord[]> | undefined;
  unchecked: string[];
};

/**
 * Checks peer-services.md's invariants on every settled order (no running or compensating saga):
 * stock and money against the sandbox's ledgers when the peers are the sandbox, the `pending`
 * rule from our database always. Read-only. Throws only on database errors: a peer that cannot
 * be read becomes an `unchecked` line. A violation found on an order that moved during the check
 * is dropped and listed as unchecked, so a check running beside live traffic reports no race.
 */
export async function checkInvariants(deps: CheckInvariantsDeps): Promise<InvariantReport> {
  const orders = await listOrdersToCheck(deps.db, deps.orderIds);
  const ledgers = await readLedgers(deps.fetch ?? fetch, deps);
  const settled = orders.filter((order) => !order.isSettling);
  const held = settled.filter((order) => order.status !== 'pending');

  const found = [
    ...settled.flatMap(pendingViolations),
    ...held.flatMap((order) => ledgerViolations(order, ledgers)),
  ];
  const { kept, changed } = await confirmViolations(deps.db, found, settled);
  const products = new Set(
    ledgers.stock === undefined
      ? []
      : held.flatMap((order) => productsTouched(order, ledgers.stock?.get(order.id) ?? [])),
  );

  return {
    checked: { orders: settled.length - changed.length, products: products.size },
    // By order, so one order's problems read together; each rule's own order is kept.
    violations: kept.sort((a, b) => (a.orderId ?? 0) - (b.orderId ?? 0)),
    unchecked: [
      ...ledgers.unchecked,
      ...missingOrders(deps.orderIds, orders),
      ...orders.filter((order) => order.isSettling).map((o) => `order ${o.id} is still settling`),
      ...changed.map((id) => `order ${String(id)} changed while it was checked; check it again`),
      ...(deps.orderIds === undefined ? ordersOnlyAtThePeers(ledgers, orders) : []),
    ],
    mode: ledgers.mode,
  };
}

function ledgerViolations(order: OrderToCheck, ledgers: Ledgers): Violation[] {
  const netCents = ledgers.netCents?.get(order.id) ?? 0;
  return [
    ...(ledgers.stock ? stockViolations(order, ledgers.stock.get(order.id) ?? []) : []),
    ...(ledgers.netCents ? chargeViolations(order, netCents) : []),
    ...(ledgers.payments
      ? doubleChargeViolations(order, ledgers.payments.get(order.id) ?? [])
      : []),
  ];
}

async function readLedgers(fetchFn: typeof fetch, deps: CheckInvariantsDeps): Promise<Ledgers> {
  // The stock ledger is both the sandbox detector and the data: one call.
  const stock = await readStockLedger(fetchFn, deps.productServiceUrl);
  if (stock.kind === 'unreadable') {
    return {
      mode: 'public-contract',
      stock: undefined,
      netCents: undefined,
      payments: undefined,
      unchecked: [
        `stock: ${deps.productServiceUrl}/__sandbox/stock-ledger ${stock.reason}, so the Product Service is not the sandbox; its public contract shows only each product's current stock (GET /api/products/{id}), which cannot be tied to orders without a baseline taken before them`,
        `charges: the Payment Service's public contract has no way to read what an order was charged, so net charges and double charges were not checked`,
      ],
    };
  }
  const [netCharges, payments] = await Promise.all([
    readNetCharges(fetchFn, deps.paymentServiceUrl),
    readPayments(fetchFn, deps.paymentServiceUrl),
  ]);
  const unchecked: string[] = [];
  if (netCharges.kind === 'unreadable') {
    unchecked.push(
      `charges: ${deps.paymentServiceUrl}/__sandbox/net-charges ${netCharges.reason}, so net charges were not checked`,
    );
  }
  if (payments.kind === 'unreadable') {
    unchecked.push(
      `double charges: ${deps.paymentServiceUrl}/__sandbox/payments ${payments.reason}, so double charges were not checked`,
    );
  }
  return {
    mode: 'sandbox-ledgers',
    stock: groupByOrder(stock.data),
    netCents:
      netCharges.kind === 'read'
        ? new Map(netCharges.data.map((row) => [row.orderId, row.netCents]))
        : undefined,
    payments: payments.kind === 'read' ? groupByOrder(payments.data) : undefined,
    unchecked,
  };
}

function groupByOrder<T extends { orderId: number }>(rows: readonly T[]): Map<number, T[]> {
  const byOrder = new Map<number, T[]>();
  for (const row of rows) {
    const list = byOrder.get(row.orderId) ?? [];
    list.push(row);
    byOrder.set(row.orderId, list);
  }
  return byOrder;
}

/**
 * Reads the violated orders again: one whose status, version or saga changed since the first
 * read may have been compared with ledgers from another moment, so its violations are dropped.
 */
async function confirmViolations(
  db: Queryable,
  violations: Violation[],
  before: readonly OrderToCheck[],
): Promise<{ kept: Violation[]; changed: number[] }> {
  const ids = [...new Set(violations.flatMap((v) => (v.orderId === undefined ? [] : [v.orderId])))];
  if (ids.length === 0) return { kept: violations, changed: [] };
  const after = new Map<number, OrderToCheck>(
    (await listOrdersToCheck(db, ids)).map((order) => [order.id, order]),
  );
  const beforeById = new Map<number, OrderToCheck>(before.map((order) => [order.id, order]));
  const changed = ids.filter((id) => {
    const first = beforeById.get(id);
    const again = after.get(id);
    return (
      first === undefined ||
      again === undefined ||
      again.isSettling ||
      again.status !== first.status ||
      again.version !== first.version
    );
  });
  return {
    kept: violations.filter((v) => v.orderId === undefined || !changed.includes(v.orderId)),
    changed,
  };
}

function missingOrders(
  orderIds: readonly number[] | undefined,
  orders: readonly OrderToCheck[],
): string[] {
  if (orderIds === undefined) return [];
  const found = new Set<number>(orders.map((order) => order.id));
  return [...new Set(orderIds)]
    .filter((id) => !found.has(id))
    .map((id) => `order ${String(id)} is not in the database`);
}

/** Orders the peers moved stock or money for that the database read did not show. */
function ordersOnlyAtThePeers(ledgers: Ledgers, orders: readonly OrderToCheck[]): string[] {
  const known = new Set<number>(orders.map((order) => order.id));
  const stockHeld = [...(ledgers.stock ?? new Map<number, StockChange[]>())]
    .filter(([, changes]) => [...unitsTakenByProduct(changes).values()].some((n) => n !== 0))
    .map(([id]) => id);
  const moneyHeld = [...(ledgers.netCents ?? new Map<number, number>())]
    .filter(([, netCents]) => netCents !== 0)
    .map(([id]) => id);
  return [...new Set([...stockHeld, ...moneyHeld])]
    .filter((id) => !known.has(id))
    .sort((a, b) => a - b)
    .map(
      (id) =>
        `order ${String(id)} holds stock or money at the peers but was not among the orders read (placed during the check, or unknown to this database)`,
    );
}
