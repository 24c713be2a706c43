import type { HttpResponse } from './http-client.js';
import type { TestService } from './test-service.js';
import { orderBody } from './test-service.js';
import type { TestUser } from './tokens.js';

/** The order resource as the API shows it (order-api.md, "The order resource"). */
export type OrderView = {
  id: number;
  userId: number;
  status: string;
  totalAmount: string;
  currency: string;
  items: { productId: number; quantity: number; price: string }[];
  paymentId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
};

export type HistoryView = {
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
  at: string;
};

export type Line = { price: string; stock: number; quantity: number };

export type PlacedOrder = {
  order: OrderView;
  /** One sandbox product per line, with the stock it had before the order. */
  products: { id: number; stockBefore: number; quantity: number }[];
};

/** Content type of every error response (RFC 9457). */
export const problemJson = /^application\/problem\+json\b/;

/** A `paymentMethod` the sandbox's Payment service declines (sandbox/README.md). */
export const declinedCard = 'pm_card_declined';

/** Creates one fresh product per line and places a paid order for them as `user` (201). */
export async function placePaidOrder(
  env: TestService,
  user: TestUser,
  lines: Line[] = [{ price: '10.00', stock: 5, quantity: 1 }],
): Promise<PlacedOrder> {
  const products = await createProducts(env, lines);
  const response = await env
    .api(user.token)
    .post(
      '/api/orders',
      orderBody(products.map((product) => ({ productId: product.id, quantity: product.quantity }))),
    );
  if (response.status !== 201) {
    throw new Error(`placing an order answered ${response.status}: ${response.text}`);
  }
  return { order: response.body as OrderView, products };
}

/** Creates one fresh product per line. */
export async function createProducts(
  env: TestService,
  lines: Line[],
): Promise<PlacedOrder['products']> {
  return Promise.all(
    lines.map(async (line) => {
      const product = await env.peers.createProduct({ price: line.price, stock: line.stock });
      return { id: product.id, stockBefore: line.stock, quantity: line.quantity };
    }),
  );
}

/** Moves an order through admin PATCHes, one status after the other; each must answer 200. */
export async function advance(
  env: TestService,
  admin: TestUser,
  orderId: number,
  statuses: string[],
): Promise<OrderView> {
  let last: HttpResponse<OrderView> | undefined;
  for (const status of statuses) {
    last = await env.api(admin.token).patch(`/api/orders/${orderId}/status`, { status });
    if (last.status !== 200) {
      throw new Error(`PATCH status ${status} answered ${last.status}: ${last.text}`);
    }
  }
  if (last === undefined) throw new Error('advance needs at least one status');
  return last.body;
}

export async function orderOf(env: TestService, user: TestUser, id: number): Promise<OrderView> {
  const response = await env.api(user.token).get<OrderView>(`/api/orders/${id}`);
  if (response.status !== 200) {
    throw new Error(`GET order ${id} answered ${response.status}: ${response.text}`);
  }
  return response.body;
}

export async function statusOf(env: TestService, user: TestUser, id: number): Promise<string> {
  return (await orderOf(env, user, id)).status;
}

export async function historyOf(
  env: TestService,
  user: TestUser,
  id: number,
): Promise<HistoryView[]> {
  const response = await env
    .api(user.token)
    .get<{ data: HistoryView[] }>(`/api/orders/${id}/history`);
  if (response.status !== 200) {
    throw new Error(`GET history ${id} answered ${response.status}: ${response.text}`);
  }
  return response.body.data;
}

/** Current stock of every product, in order. */
export async function stocksOf(env: TestService, products: { id: number }[]): Promise<number[]> {
  return Promise.all(products.map((product) => env.peers.stockOf(product.id)));
}

/** Stock increases applied at the Product service for an order, as `productId → quantities`. */
export async function restocksOf(
  env: TestService,
  orderId: number,
): Promise<Record<number, number[]>> {
  const ledger = await env.peers.stockLedger(orderId);
  const restocks: Record<number, number[]> = {};
  for (const entry of ledger) {
    if (entry.kind !== 'increase') continue;
    (restocks[entry.productId] ??= []).push(entry.quantity);
  }
  return restocks;
}

/** What every product should show as restocked once: `productId → [quantity]`. */
export const oneRestockEach = (products: PlacedOrder['products']): Record<number, number[]> =>
  Object.fromEntries(products.map((product) => [product.id, [product.quantity]]));

/** Refund calls the Payment service answered 200 for an order. */
export async function refundsOf(env: TestService, orderId: number): Promise<number> {
  const calls = await env.peers.requests('refund', orderId);
  return calls.filter((call) => call.status === 200).length;
}
