/** One broken rule of peer-services.md's invariants, for one order (and product, for stock). */
export type Violation = {
  kind: 'stock' | 'charge' | 'pending' | 'double-charge';
  orderId?: number;
  productId?: number;
  expected: string;
  actual: string;
  message: string;
};

export type InvariantReport = {
  /**
   * `orders`: settled orders held to at least one rule; `products`: distinct products whose
   * stock movements were compared with those orders (0 when stock could not be checked).
   */
  checked: { orders: number; products: number };
  violations: Violation[];
  /** What could not be checked, and why, one sentence each. */
  unchecked: string[];
  /** Where stock and money were read: the sandbox's ledgers, or only the public contract. */
  mode: 'sandbox-ledgers' | 'public-contract';
};

const counted = (count: number, noun: string): string =>
  `${String(count)} ${noun}${count === 1 ? '' : 's'}`;

/** The report for a person: a summary line, one line per violation, then what went unchecked. */
export function formatReport(report: InvariantReport): string {
  const { checked, violations, unchecked } = report;
  return [
    `checked ${counted(checked.orders, 'order')} over ${counted(checked.products, 'product')}: ${counted(violations.length, 'violation')}`,
    `mode: ${report.mode}`,
    ...violations.map((violation) => `violation [${violation.kind}] ${violation.message}`),
    ...unchecked.map((item) => `unchecked: ${item}`),
  ].join('\n');
}
