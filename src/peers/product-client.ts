import { z } from 'zod';
import type { OrderId, ProductId } from '../domain/ids.js';
import { parseMoney, type Cents } from '../domain/money.js';
import {
  createPeerHttp,
  isClientError,
  type CallContext,
  type PeerClientOptions,
  type PeerResponse,
} from './peer-http.js';

export type Product = { id: ProductId; name: string; priceCents: Cents; stock: number };

export type ProductLookup =
  { kind: 'found'; product: Product } | { kind: 'not-found' } | { kind: 'unavailable' };

export type StockChangeRequest = {
  productId: ProductId;
  quantity: number;
  orderId: OrderId;
  idempotencyKey: string;
};

/**
 * `unknown`: the peer may or may not have applied it; re-send with the same key to find out.
 * `rejected`: a 4xx the contract gives no meaning (400, 401, 403, 422…): the peer refused the
 * call itself, and sending it again will not change that (the saga parks; issue 13, point 2).
 */
export type StockDecreaseResult =
  | { kind: 'changed'; stock: number }
  | { kind: 'insufficient' }
  | { kind: 'not-found' }
  | { kind: 'rejected'; status: number }
  | { kind: 'unknown' };

export type StockIncreaseResult =
  | { kind: 'changed'; stock: number }
  | { kind: 'not-found' }
  | { kind: 'rejected'; status: number }
  | { kind: 'unknown' };

export type StockChangeResult = StockDecreaseResult | StockIncreaseResult;

export type ProductClient = ReturnType<typeof createProductClient>;

// peer-services.md: `price` arrives as "29.99" or as the JSON number 29.99; both become cents
// through parseMoney's string arithmetic, never by multiplying a float. "29.999", "1e3", "NaN"
// or -1 are not prices: the product is answered as unavailable (503), never rounded. Nor is 0:
// an order of it could never be charged (the Payment Service takes positive amounts only).
const priceSchema = z.union([z.string().max(32), z.number()]).transform((value, ctx) => {
  try {
    const priceCents = parseMoney(value);
    if (priceCents > 0) return priceCents;
  } catch {
    // reported below
  }
  ctx.addIssue('price is not a positive money amount with at most two decimals');
  return z.NEVER;
});

// Not .strict(): a field the peer adds later must not turn every answer into "unavailable".
const productBody = z.object({
  id: z.number().int().positive(),
  name: z.string().max(1000),
  price: priceSchema,
  stock: z.number().int().nonnegative(),
});

const stockBody = z.object({ id: z.number().int().positive(), stock: z.number().int() });

export function createProductClient(options: PeerClientOptions) {
  const http = createPeerHttp({ ...options, name: 'product' });

  async function getProduct(id: ProductId, ctx: CallContext): Promise<ProductLookup> {
    const response = await http.send(
      { operation: 'getProduct', method: 'GET', path: `/api/products/${String(id)}` },
      ctx,
    );
    if (response.kind === 'no-answer') return { kind: 'unavailable' };
    if (response.status === 404) return { kind: 'not-found' };
    const parsed = productBody.safeParse(response.body);
    // An answer about another product is as unusable as a malformed one.
    if (response.status !== 200 || !parsed.success || parsed.data.id !== id) {
      return { kind: 'unavailable' };
    }
    const { name, price, stock } = parsed.data;
    return { kind: 'found', product: { id, name, priceCents: price, stock } };
  }

  /** The peer decreases atomically and only if enough stock is left; 409 changed nothing. */
  async function decreaseStock(
    request: StockChangeRequest,
    ctx: CallContext,
  ): Promise<StockDecreaseResult> {
    const response = await changeStock('decrease', request, ctx);
    if (response.kind === 'answered' && response.status === 409) return { kind: 'insufficient' };
    return toStockResult(response);
  }

  async function increaseStock(
    request: StockChangeRequest,
    ctx: CallContext,
  ): Promise<StockIncreaseResult> {
    return toStockResult(await changeStock('increase', request, ctx));
  }

  function changeStock(
    direction: 'decrease' | 'increase',
    request: StockChangeRequest,
    ctx: CallContext,
  ): Promise<PeerResponse> {
    return http.send(
      {
        operation: `${direction}Stock`,
        method: 'POST',
        path: `/api/products/${String(request.productId)}/stock/${direction}`,
        body: { quantity: request.quantity, orderId: request.orderId },
        idempotencyKey: request.idempotencyKey,
      },
      ctx,
    );
  }

  return { getProduct, decreaseStock, increaseStock };
}

// A 4xx the contract does not list is `rejected` (no retry fixes it); any other unlisted answer
// (a redirect, a malformed 200…) is `unknown`, not a guess: the saga re-sends with the same key,
// which is safe whatever the peer did.
function toStockResult(response: PeerResponse): StockIncreaseResult {
  if (response.kind === 'no-answer') return { kind: 'unknown' };
  if (response.status === 404) return { kind: 'not-found' };
  if (isClientError(response.status)) return { kind: 'rejected', status: response.status };
  const parsed = stockBody.safeParse(response.body);
  if (response.status !== 200 || !parsed.success) return { kind: 'unknown' };
  return { kind: 'changed', stock: parsed.data.stock };
}
