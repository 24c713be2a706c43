import { randomUUID } from 'node:crypto';
import type { OrderClient } from './order-client.js';

// README.md, "A tour": product 1 of the sandbox catalogue costs "12.99"; 999 does not exist.
const shippingAddress = { street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
const twoMugs = {
  items: [{ productId: 1, quantity: 2 }],
  paymentMethod: 'pm_card_visa',
  shippingAddress,
};

function created<T>(step: string, result: { data?: T; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${step}: answered ${String(result.response.status)}, no order to go on with`);
  }
  return result.data;
}

/**
 * README.md's "A tour" through the typed client, as `user` and as `admin`: every answer as
 * openapi-fetch gave it, for the caller to read. It makes every order it touches, so it can run
 * again and again; it throws only when an order it goes on with was not created.
 */
export async function tour({ user, admin }: { user: OrderClient; admin: OrderClient }) {
  const idempotencyKey = { header: { 'Idempotency-Key': `tour-${randomUUID()}` } };

  const placed = await user.POST('/api/orders', { params: idempotencyKey, body: twoMugs });
  const first = { params: { path: { id: created('place an order', placed).id } } };
  const replayed = await user.POST('/api/orders', { params: idempotencyKey, body: twoMugs });
  const fetched = await user.GET('/api/orders/{id}', first);
  const listed = await user.GET('/api/orders', { params: { query: { limit: 5 } } });
  const history = await user.GET('/api/orders/{id}/history', first);
  const cancelled = await user.POST('/api/orders/{id}/cancel', {
    ...first,
    body: { reason: 'changed my mind' },
  });

  const placedSecond = await user.POST('/api/orders', { body: twoMugs });
  const second = { params: { path: { id: created('place a second order', placedSecond).id } } };
  const processingByUser = await user.PATCH('/api/orders/{id}/status', {
    ...second,
    body: { status: 'processing' },
  });
  const processing = await admin.PATCH('/api/orders/{id}/status', {
    ...second,
    body: { status: 'processing' },
  });
  const deliveredTooSoon = await admin.PATCH('/api/orders/{id}/status', {
    ...second,
    body: { status: 'delivered' },
  });
  const cancelledSecond = await user.POST('/api/orders/{id}/cancel', second);

  const declined = await user.POST('/api/orders', {
    body: { ...twoMugs, items: [{ productId: 1, quantity: 1 }], paymentMethod: 'pm_card_declined' },
  });
  const unknownProduct = await user.POST('/api/orders', {
    body: { items: [{ productId: 999, quantity: 1 }], shippingAddress },
  });

  return {
    placed,
    replayed,
    fetched,
    listed,
    history,
    cancelled,
    placedSecond,
    processingByUser,
    processing,
    deliveredTooSoon,
    cancelledSecond,
    declined,
    unknownProduct,
  };
}
