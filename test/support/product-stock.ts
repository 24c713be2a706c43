import type { Sandbox } from '../../sandbox/start-sandbox.js';
import { request } from './http-client.js';

export type StockChange = {
  productId: number;
  orderId: number;
  kind: 'decrease' | 'increase';
  quantity: number;
  idempotencyKey: string | null;
};

/**
 * Every stock change the Product sandbox applied to one product, whatever the order: shows that a
 * request which stored no order touched no stock either (sandboxClient.stockLedger needs an order).
 */
export async function stockChangesOfProduct(
  sandbox: Sandbox,
  productId: number,
): Promise<StockChange[]> {
  const response = await request<{ data: StockChange[] }>(
    sandbox.productUrl,
    'GET',
    `/__sandbox/stock-ledger?productId=${productId}`,
  );
  if (response.status !== 200) {
    throw new Error(`sandbox answered ${response.status}: ${response.text}`);
  }
  return response.body.data;
}

/** Sets a product's stock behind the Order Service's back, as another shop selling it would. */
export async function setStock(sandbox: Sandbox, productId: number, stock: number): Promise<void> {
  const response = await request(
    sandbox.productUrl,
    'PUT',
    `/__sandbox/products/${productId}/stock`,
    {
      body: { stock },
    },
  );
  if (response.status !== 200) {
    throw new Error(`sandbox answered ${response.status}: ${response.text}`);
  }
}
