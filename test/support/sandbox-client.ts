import { request } from './http-client.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';

export type FaultRule = {
  operation: 'getProduct' | 'decreaseStock' | 'increaseStock' | 'charge' | 'refund' | 'notify';
  mode:
    | 'error'
    | 'latency'
    | 'hang'
    | 'process-then-error'
    | 'process-then-hang'
    | 'garbage'
    | 'huge-body'
    | 'html'
    | 'redirect'
    | 'wrong-amount';
  count?: number;
  latencyMs?: number;
  status?: number;
  /** `redirect`: the Location. */
  location?: string;
  /** `wrong-amount`: what the charge takes instead, as "12.34". */
  amount?: string;
  match?: { productId?: number; orderId?: number };
};

const serviceOf = (sandbox: Sandbox, operation: FaultRule['operation']): string => {
  switch (operation) {
    case 'getProduct':
    case 'decreaseStock':
    case 'increaseStock':
      return sandbox.productUrl;
    case 'charge':
    case 'refund':
      return sandbox.paymentUrl;
    case 'notify':
      return sandbox.notificationUrl;
  }
};

async function ok<T>(promise: Promise<{ status: number; body: T; text: string }>): Promise<T> {
  const response = await promise;
  if (response.status >= 300)
    throw new Error(`sandbox answered ${response.status}: ${response.text}`);
  return response.body;
}

/** The sandbox's control API: products, ledgers, received calls, faults. */
export function sandboxClient(sandbox: Sandbox) {
  return {
    async createProduct(product: { price: string | number; stock: number; name?: string }) {
      return ok<{ id: number; name: string; price: string | number; stock: number }>(
        request(sandbox.productUrl, 'POST', '/__sandbox/products', { body: product }),
      );
    },
    /** Serves `price` as given, unchecked: "29.999", -1, "1e3", "NaN"… */
    async setRawPrice(productId: number, price: string | number): Promise<void> {
      await ok(
        request(sandbox.productUrl, 'PUT', `/__sandbox/products/${productId}/price`, {
          body: { price },
        }),
      );
    },
    async stockOf(productId: number): Promise<number> {
      const body = await ok<{ stock: number }>(
        request(sandbox.productUrl, 'GET', `/api/products/${productId}`),
      );
      return body.stock;
    },
    async payments(orderId: number) {
      const body = await ok<{
        data: {
          id: string;
          status: string;
          amount: string;
          refundedAmount: string;
          idempotencyKey: string | null;
        }[];
      }>(request(sandbox.paymentUrl, 'GET', `/__sandbox/payments?orderId=${orderId}`));
      return body.data;
    },
    async netCharge(
      orderId: number,
    ): Promise<{ chargedCents: number; refundedCents: number; netCents: number }> {
      const body = await ok<{
        data: { chargedCents: number; refundedCents: number; netCents: number }[];
      }>(request(sandbox.paymentUrl, 'GET', `/__sandbox/net-charges?orderId=${orderId}`));
      return body.data[0] ?? { chargedCents: 0, refundedCents: 0, netCents: 0 };
    },
    async notifications(orderId: number, type?: string) {
      const query = type === undefined ? '' : `&type=${encodeURIComponent(type)}`;
      const body = await ok<{
        data: {
          type: string;
          userId: number;
          orderId: number;
          idempotencyKey: string | null;
          data: Record<string, unknown>;
        }[];
      }>(
        request(
          sandbox.notificationUrl,
          'GET',
          `/__sandbox/notifications?orderId=${orderId}${query}`,
        ),
      );
      return body.data;
    },
    async requests(operation: FaultRule['operation'], orderId?: number) {
      const query = `operation=${operation}${orderId === undefined ? '' : `&orderId=${orderId}`}`;
      const body = await ok<{
        data: {
          idempotencyKey?: string;
          requestId?: string;
          authorization?: string;
          status: number | null;
          productId?: number;
          orderId?: number;
          body: unknown;
        }[];
      }>(request(serviceOf(sandbox, operation), 'GET', `/__sandbox/requests?${query}`));
      return body.data;
    },
    async stockLedger(orderId: number) {
      const body = await ok<{
        data: {
          productId: number;
          kind: 'decrease' | 'increase';
          quantity: number;
          idempotencyKey: string | null;
        }[];
      }>(request(sandbox.productUrl, 'GET', `/__sandbox/stock-ledger?orderId=${orderId}`));
      return body.data;
    },
    async fault(rule: FaultRule): Promise<void> {
      await ok(
        request(serviceOf(sandbox, rule.operation), 'POST', '/__sandbox/faults', { body: rule }),
      );
    },
    async clearFaults(): Promise<void> {
      await Promise.all(
        [sandbox.productUrl, sandbox.paymentUrl, sandbox.notificationUrl].map((url) =>
          request(url, 'DELETE', '/__sandbox/faults'),
        ),
      );
    },
  };
}

export type SandboxClient = ReturnType<typeof sandboxClient>;
