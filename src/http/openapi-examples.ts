/**
 * Request and response examples of /openapi.json, taken from order-api.md: order 17 of user 42,
 * two of product 1 at 29.99. The linters (test/docs/openapi-lint.test.ts) check each against its
 * schema.
 */

const placedAt = '2026-11-24T10:00:00.000Z';
const shippingAddress = { street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

export const placeOrderRequest = {
  items: [{ productId: 1, quantity: 2 }],
  shippingAddress,
  paymentMethod: 'pm_card_visa',
};

/** Stored as pending (version 1), then paid by the saga (version 2). */
export const paidOrder = {
  id: 17,
  userId: 42,
  status: 'paid',
  totalAmount: '59.98',
  currency: 'USD',
  shippingAddress,
  items: [{ productId: 1, quantity: 2, price: '29.99' }],
  paymentId: 'pay_8f2c',
  version: 2,
  createdAt: placedAt,
  updatedAt: '2026-11-24T10:00:01.250Z',
};
export const pendingOrder = { ...paidOrder, status: 'pending', paymentId: null, version: 1 };
export const processingOrder = {
  ...paidOrder,
  status: 'processing',
  version: 3,
  updatedAt: '2026-11-24T11:00:00.000Z',
};
export const cancelledOrder = {
  ...paidOrder,
  status: 'cancelled',
  version: 3,
  updatedAt: '2026-11-24T10:05:00.000Z',
};

export const orderPageByPage = {
  data: [paidOrder],
  pagination: { page: 1, limit: 20, total: 1, totalPages: 1, nextCursor: null },
};
export const orderPageByCursor = {
  data: [paidOrder],
  pagination: {
    page: null,
    limit: 1,
    total: null,
    totalPages: null,
    nextCursor: 'MjAyNi0xMS0yNFQxMDowMDowMC4xMjM0NTZafDE3',
  },
};

export const orderHistory = {
  data: [
    { from: null, to: 'pending', actor: 'user:42', reason: null, at: placedAt },
    { from: 'pending', to: 'paid', actor: 'system', reason: null, at: paidOrder.updatedAt },
    {
      from: 'paid',
      to: 'cancelled',
      actor: 'user:42',
      reason: 'changed my mind',
      at: cancelledOrder.updatedAt,
    },
  ],
};

/** A cancel whose refund the Payment Service refused with 403: parked for an admin. */
export const parkedSaga = {
  id: 7,
  orderId: 17,
  kind: 'cancel',
  state: 'needs-attention',
  parkedAt: '2026-11-24T10:05:00.500Z',
  peerAnswer: { service: 'payment', operation: 'refund', status: 403 },
  step: 'refund',
  attempts: 1,
  lastError: 'payment refund answered 403',
  nextAttemptAt: null,
  lockedUntil: null,
  deadlineAt: '2026-11-24T10:20:00.000Z',
  createdAt: '2026-11-24T10:05:00.000Z',
  updatedAt: '2026-11-24T10:05:00.500Z',
};
export const parkedSagaWithLog = {
  ...parkedSaga,
  log: [
    {
      step: 'refund',
      outcome: 'rejected',
      detail: { status: 403 },
      attempt: 1,
      at: parkedSaga.parkedAt,
    },
  ],
};
/** After an admin's retry or resolve: no longer parked, due now. */
export const resumedSaga = {
  ...parkedSaga,
  state: 'compensating',
  parkedAt: null,
  peerAnswer: null,
  nextAttemptAt: '2026-11-24T10:15:00.000Z',
  updatedAt: '2026-11-24T10:15:00.000Z',
};
export const sagaPage = {
  data: [parkedSaga],
  pagination: { page: 1, limit: 20, total: 1, totalPages: 1, totalIsLowerBound: false },
};
