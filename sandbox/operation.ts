/** The contract's calls, by the name the request log and fault rules use. */
export const operations = [
  'getProduct',
  'decreaseStock',
  'increaseStock',
  'charge',
  'refund',
  'notify',
] as const;

export type Operation = (typeof operations)[number];

/** What a call is about, as far as the raw request tells: used to match faults and filter logs. */
export type OperationTarget = { productId: number | undefined; orderId: number | undefined };

export type Outcome = { status: number; body: unknown };
