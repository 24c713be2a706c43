import { orderStatuses } from '../domain/order-status.js';
import {
  idParameter,
  ifMatch,
  json,
  orderResponse,
  placedOrderResponse,
  problem,
  problemWithRetryAfter,
  ref,
  requestBody,
  type OpenApiPaths,
} from './openapi-components.js';
import {
  cancelledOrder,
  orderHistory,
  orderPageByCursor,
  orderPageByPage,
  paidOrder,
  pendingOrder,
  placeOrderRequest,
  processingOrder,
} from './openapi-examples.js';
import { commonProblems, problemExamples as p } from './openapi-problem-examples.js';

const tags = ['orders'];

/** The /api/orders operations of order-api.md. */
export const orderPaths: OpenApiPaths = {
  '/api/orders': {
    post: {
      operationId: 'placeOrder',
      tags,
      summary: 'Place an order (runs the order saga)',
      description:
        "Any authenticated user. Verifies the products, checks stock, computes the total from the Product Service's prices, stores the order as pending, takes the stock, charges and marks it paid. With an `Idempotency-Key`, the same key and body replay the first answer (`Idempotent-Replayed: true`).",
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Scoped to the user; 1–255 visible ASCII characters',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
          example: 'checkout-5f0c2a',
        },
      ],
      requestBody: requestBody(true, 'PlaceOrderRequest', {
        order: { summary: 'Two of product 1, shipped to Berlin', value: placeOrderRequest },
      }),
      responses: {
        '201': placedOrderResponse('Paid; Location names the order', {
          paid: { summary: 'The saga completed', value: paidOrder },
        }),
        '202': placedOrderResponse('Stored as pending; finishes in the background', {
          pending: {
            summary: 'A peer is slow or down after the order was stored',
            value: pendingOrder,
          },
        }),
        '200': orderResponse(
          'The order as it is now: cancelled (or failed past the saga deadline) while the request waited, or the replay of a request first answered 202 once its order has left pending',
          { cancelled: { summary: 'Cancelled while the request waited', value: cancelledOrder } },
        ),
        ...commonProblems({ invalidOrderBody: p.invalidOrderBody, malformedJson: p.malformedJson }),
        '402': problem('Payment declined; the order is failed and stock restored', {
          paymentDeclined: p.paymentDeclined,
        }),
        '409': problem('Not enough stock, or the same Idempotency-Key is in flight', {
          insufficientStock: p.insufficientStock,
          keyInFlight: p.keyInFlight,
        }),
        '413': problem('Body too large', { payloadTooLarge: p.payloadTooLarge }),
        '415': problem('A body whose Content-Type is not application/json', {
          unsupportedMediaType: p.unsupportedMediaType,
        }),
        '422': problem('Unknown products, or Idempotency-Key reused with another body', {
          unknownProducts: p.unknownProducts,
          keyReused: p.keyReused,
        }),
        '429': problemWithRetryAfter(
          'More orders than RATE_LIMIT_ORDERS_PER_MINUTE by this user (Retry-After)',
          { tooManyRequests: p.tooManyRequests },
        ),
        '502': problem(
          'The Payment Service charged another amount; the order is failed and compensated',
          { paymentServiceError: p.paymentServiceError },
        ),
        '503': problemWithRetryAfter(
          'Product Service unavailable, nothing stored; or the service is starting or the database is not answering (Retry-After)',
          {
            productServiceUnavailable: p.productServiceUnavailable,
            serviceStarting: p.serviceStarting,
            databaseUnavailable: p.databaseUnavailable,
          },
        ),
      },
    },
    get: {
      operationId: 'listOrders',
      tags,
      summary: 'List orders, newest first',
      description:
        "Users get their own orders, admins everyone's. Newest first: createdAt desc, then id desc. Two ways to page, same order: by `page` (with `total` and `totalPages`; each page reads the rows before it), or by `after` = the previous `pagination.nextCursor` (reads only the page, counts nothing: `page`, `total` and `totalPages` are null). Every response carries `nextCursor`, so a client can switch to cursors from any page. Keep the filters and limit the same while following cursors.",
      parameters: [
        {
          name: 'page',
          in: 'query',
          schema: { type: 'integer', minimum: 1, default: 1 },
          description: 'Page mode. With `after` only 1 (or absent) is accepted; more is 400.',
        },
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
        { name: 'status', in: 'query', schema: { type: 'string', enum: orderStatuses } },
        {
          name: 'userId',
          in: 'query',
          schema: { type: 'integer', minimum: 1 },
          description: "Admins: any user's orders. Users: only their own id, else 403.",
        },
        {
          name: 'createdFrom',
          in: 'query',
          schema: { type: 'string', format: 'date-time', example: '2026-11-01T00:00:00Z' },
          description:
            'Only orders created at or after this instant (inclusive). ISO 8601 with Z or an offset (send + as %2B), at most milliseconds.',
        },
        {
          name: 'createdTo',
          in: 'query',
          schema: { type: 'string', format: 'date-time', example: '2026-12-01T00:00:00Z' },
          description:
            'Only orders created before this instant (exclusive); must be later than createdFrom.',
        },
        {
          name: 'after',
          in: 'query',
          schema: { type: 'string' },
          description:
            'Cursor mode: the orders after the position in this cursor, a `pagination.nextCursor` passed back unchanged. It holds only a position, never who may see what. Malformed: 400.',
        },
      ],
      responses: {
        '200': {
          description: 'One page',
          content: json(ref('OrderPage'), {
            byPage: { summary: 'Page mode: counted', value: orderPageByPage },
            byCursor: {
              summary: 'Cursor mode (after=…): nothing counted',
              value: orderPageByCursor,
            },
          }),
        },
        ...commonProblems({ invalidQuery: p.invalidQuery }),
        '403': problem("A user asked for another user's orders", {
          forbidden: p.listOthersForbidden,
        }),
      },
    },
  },
  '/api/orders/{id}': {
    get: {
      operationId: 'getOrder',
      tags,
      summary: 'One order (owner or admin)',
      description:
        "The order with its items, and its version as `ETag`. Another user's order answers 404, as a missing one does.",
      parameters: [idParameter],
      responses: {
        '200': orderResponse('The order', { paid: { summary: 'A paid order', value: paidOrder } }),
        ...commonProblems({ invalidId: p.invalidId }),
        '404': problem('Missing or not yours', { orderNotFound: p.orderNotFound }),
      },
    },
  },
  '/api/orders/{id}/history': {
    get: {
      operationId: 'getOrderHistory',
      tags,
      summary: "The order's status changes, oldest first",
      description:
        'Every status change with who made it (`user:<id>`, `admin:<id>`, or `system` for the saga) and the reason given. Owner or admin.',
      parameters: [idParameter],
      responses: {
        '200': {
          description: 'The audit trail',
          content: json(ref('OrderHistory'), {
            cancelled: { summary: 'Placed, paid, cancelled by its owner', value: orderHistory },
          }),
        },
        ...commonProblems({ invalidId: p.invalidId }),
        '404': problem('Missing or not yours', { orderNotFound: p.orderNotFound }),
      },
    },
  },
  '/api/orders/{id}/status': {
    patch: {
      operationId: 'changeOrderStatus',
      tags,
      summary: 'Change status (admin only)',
      description:
        'Allowed: paid→processing, processing→shipped, shipped→delivered, pending|paid|processing→cancelled (as a cancel: refund and restock), processing→failed (refund and restock). The role is checked before the order is looked up. Each change is recorded in the history and queues its notification.',
      parameters: [idParameter, ifMatch],
      requestBody: requestBody(true, 'ChangeStatusRequest', {
        processing: { summary: 'Start processing a paid order', value: { status: 'processing' } },
        cancelled: {
          summary: 'Cancel, with a reason for the history',
          value: { status: 'cancelled', reason: 'customer called' },
        },
      }),
      responses: {
        '200': orderResponse('Changed', {
          processing: { summary: 'Now processing', value: processingOrder },
        }),
        '202': orderResponse('Cancel or fail accepted; the refund finishes in the background', {
          refundPending: {
            summary: 'Still paid while the refund is retried',
            value: paidOrder,
          },
        }),
        ...commonProblems({ invalidStatus: p.invalidStatus, invalidId: p.invalidId }),
        '403': problem('Not an admin', { forbidden: p.changeStatusForbidden }),
        '404': problem('Missing', { orderNotFound: p.orderNotFound }),
        '409': problem('Transition not allowed; names the current and allowed statuses', {
          illegalTransition: p.shippedToProcessing,
        }),
        '412': problem('If-Match is stale', { preconditionFailed: p.preconditionFailed }),
        '413': problem('Body too large', { payloadTooLarge: p.payloadTooLarge }),
        '415': problem('A body whose Content-Type is not application/json', {
          unsupportedMediaType: p.unsupportedMediaType,
        }),
      },
    },
  },
  '/api/orders/{id}/cancel': {
    post: {
      operationId: 'cancelOrder',
      tags,
      summary: 'Cancel (owner or admin): refund if charged, restock',
      description:
        'From pending, paid or processing: the charge (if any) refunded in full, all stock restored, `order.cancelled` queued. Already cancelled: 200, nothing done again. Shipped, delivered or failed: 409.',
      parameters: [idParameter, ifMatch],
      requestBody: requestBody(false, 'CancelRequest', {
        withReason: {
          summary: 'With a reason for the history',
          value: { reason: 'changed my mind' },
        },
        empty: { summary: 'No reason', value: {} },
      }),
      responses: {
        '200': orderResponse('Cancelled (or already cancelled)', {
          cancelled: { summary: 'Refunded and restocked', value: cancelledOrder },
        }),
        '202': orderResponse('Accepted; the refund finishes in the background', {
          refundPending: { summary: 'Still paid while the refund is retried', value: paidOrder },
        }),
        ...commonProblems({ invalidId: p.invalidId, malformedJson: p.malformedJson }),
        '404': problem('Missing or not yours', { orderNotFound: p.orderNotFound }),
        '409': problem('Shipped, delivered or failed', { illegalTransition: p.illegalTransition }),
        '412': problem('If-Match is stale', { preconditionFailed: p.preconditionFailed }),
        '413': problem('Body too large', { payloadTooLarge: p.payloadTooLarge }),
        '415': problem('A body whose Content-Type is not application/json', {
          unsupportedMediaType: p.unsupportedMediaType,
        }),
      },
    },
  },
};
