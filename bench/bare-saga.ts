/**
 * Baseline "bare-saga": bare-pg's create plus the service's peer fan-out, with no framework,
 * validation, authentication, logging, saga log or compensation (the bench never needs one):
 * GET every product concurrently, check stock, store the order (pending) and its items, decrease
 * stock item by item, charge, then mark it paid and queue order.paid in the outbox in one
 * statement. Peer calls go through node:http with a keep-alive Agent (undici is not installed;
 * the global fetch is much slower under load). Get and list are bare-pg's.
 *
 *   DATABASE_URL=… PRODUCT_SERVICE_URL=… PAYMENT_SERVICE_URL=… node --import tsx bench/bare-saga.ts
 */
import { Agent, request } from 'node:http';
import type { CreateBody } from './bare-common.js';
import { formatCents, insertOrder, openPool, send, serve, toCents } from './bare-common.js';

const productUrl = new URL(process.env.PRODUCT_SERVICE_URL ?? 'http://127.0.0.1:3001');
const paymentUrl = new URL(process.env.PAYMENT_SERVICE_URL ?? 'http://127.0.0.1:3002');
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

type PeerAnswer = { status: number; body: unknown };

/**
 * One peer call. A kept-alive socket the peer closed just as it was reused fails with
 * ECONNRESET before the request was read: sent once more (idempotency keys make that safe),
 * as undici does for the service.
 */
async function call(
  base: URL,
  method: string,
  path: string,
  body?: unknown,
  key?: string,
): Promise<PeerAnswer> {
  try {
    return await callOnce(base, method, path, body, key);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    return callOnce(base, method, path, body, key);
  }
}

function callOnce(base: URL, method: string, path: string, body?: unknown, key?: string) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  if (key !== undefined) headers['Idempotency-Key'] = key;
  return new Promise<PeerAnswer>((resolve, reject) => {
    const req = request(
      { agent, host: base.hostname, port: base.port, method, path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const pool = await openPool();
await serve(pool, async (_req, res, userId, text) => {
  const body = JSON.parse(text) as CreateBody;
  const products = await Promise.all(
    body.items.map((item) => call(productUrl, 'GET', `/api/products/${String(item.productId)}`)),
  );
  const prices: number[] = [];
  for (const [i, answer] of products.entries()) {
    if (answer.status !== 200) {
      send(res, 422, '{"error":"unknown_product"}');
      return;
    }
    const product = answer.body as { price: string; stock: number };
    if (product.stock < (body.items[i]?.quantity ?? 0)) {
      send(res, 409, '{"error":"insufficient_stock"}');
      return;
    }
    prices.push(toCents(product.price));
  }
  const order = await insertOrder(pool, userId, body, prices);
  for (const item of body.items) {
    const decreased = await call(
      productUrl,
      'POST',
      `/api/products/${String(item.productId)}/stock/decrease`,
      { quantity: item.quantity, orderId: order.id },
      `order-${String(order.id)}-stock-decrease-${String(item.productId)}`,
    );
    if (decreased.status !== 200) {
      send(res, 409, '{"error":"insufficient_stock"}');
      return;
    }
  }
  const charged = await call(
    paymentUrl,
    'POST',
    '/api/payments',
    {
      orderId: order.id,
      userId,
      amount: formatCents(order.totalCents),
      currency: 'USD',
      paymentMethod: body.paymentMethod ?? 'pm_card_visa',
    },
    `order-${String(order.id)}-payment`,
  );
  if (charged.status !== 200 && charged.status !== 201) {
    send(res, 402, '{"error":"payment_declined"}');
    return;
  }
  const paymentId = (charged.body as { id: string }).id;
  const { rows } = await pool.query<{ body: string }>({
    name: 'bare-mark-paid',
    text: `with o as (
        update orders set status = 'paid', payment_id = $2, version = version + 1,
          updated_at = now()
        where id = $1 and status = 'pending' returning id, user_id, version, updated_at
      ), e as (
        insert into outbox (order_id, user_id, type, data)
        select id, user_id, 'order.paid', json_build_object('paymentId', $2::text) from o
      )
      select json_build_object('id', id, 'status', 'paid', 'version', version,
        'updatedAt', updated_at)::text as body from o`,
    values: [order.id, paymentId],
  });
  send(res, 201, rows[0]?.body ?? '{}');
});
