import { z } from 'zod';

/**
 * The sandbox's control API (sandbox/README.md, "Control API"): what the fake peers applied.
 * Not part of peer-services.md, so a real peer answers 404 and the caller falls back to the
 * public contract. Each read is one unfiltered call, filtered in memory by the caller.
 */
const peerTimeoutMs = 5000;

// Not .strict(): the ledgers carry more fields (idempotencyKey, stockAfter, at) than the rules need.
const stockLedgerBody = z.object({
  data: z.array(
    z.object({
      productId: z.int().positive(),
      orderId: z.int().positive(),
      kind: z.enum(['decrease', 'increase']),
      quantity: z.int().positive(),
    }),
  ),
});

const netChargesBody = z.object({
  data: z.array(z.object({ orderId: z.int().positive(), netCents: z.int() })),
});

const paymentsBody = z.object({
  data: z.array(z.object({ id: z.string(), orderId: z.int().positive(), status: z.string() })),
});

export type StockChange = z.output<typeof stockLedgerBody>['data'][number];
export type NetCharge = z.output<typeof netChargesBody>['data'][number];
export type PaymentRecord = z.output<typeof paymentsBody>['data'][number];

/** A ledger, or the reason it could not be read ("answered 404", "did not answer: …"). */
export type LedgerRead<T> = { kind: 'read'; data: T } | { kind: 'unreadable'; reason: string };

export const readStockLedger = (fetchFn: typeof fetch, productServiceUrl: string) =>
  readData(fetchFn, `${trimmed(productServiceUrl)}/__sandbox/stock-ledger`, stockLedgerBody);

export const readNetCharges = (fetchFn: typeof fetch, paymentServiceUrl: string) =>
  readData(fetchFn, `${trimmed(paymentServiceUrl)}/__sandbox/net-charges`, netChargesBody);

export const readPayments = (fetchFn: typeof fetch, paymentServiceUrl: string) =>
  readData(fetchFn, `${trimmed(paymentServiceUrl)}/__sandbox/payments`, paymentsBody);

const trimmed = (url: string): string => url.replace(/\/+$/, '');

async function readData<T>(
  fetchFn: typeof fetch,
  url: string,
  schema: z.ZodType<{ data: T }>,
): Promise<LedgerRead<T>> {
  // A peer that is down or slow is something this check could not see, not a fault of the
  // check: it becomes an "unchecked" line instead of an exception.
  let response: Response;
  try {
    response = await fetchFn(url, {
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(peerTimeoutMs),
    });
  } catch (error) {
    return { kind: 'unreadable', reason: `did not answer (${describeError(error)})` };
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return { kind: 'unreadable', reason: `answered ${String(response.status)}` };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    return { kind: 'unreadable', reason: `answered 200 without JSON (${describeError(error)})` };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return { kind: 'unreadable', reason: 'answered 200 with a body that is not a sandbox ledger' };
  }
  return { kind: 'read', data: parsed.data.data };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps the useful part (ECONNREFUSED, …) in `cause`.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
