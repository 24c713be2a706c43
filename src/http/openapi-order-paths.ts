import { orderStatuses } from '../domain/order-status.js';
import {
  commonProblems,
  idParameter,
  ifMatch,
  json,
  orderResponse,
  problem,
  ref,
  type OpenApiPaths,
} from './openapi-components.js';

/** The /api/orders operations of order-api.md. */
export const orderPaths: OpenApiPaths = {
  '/api/orders': {
    post: {
      summary: 'Place an order (runs the order saga)',
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      ],
      requestBody: { required: true, content: json(ref('PlaceOrderRequest')) },
      responses: {
        '201': orderResponse('Paid; Location names the order'),
        '202': orderResponse('Stored as pending; finishes in the background'),
        '200': orderResponse(
          'The order as it is now: cancelled (or failed past the saga deadline) while the request waited, or the replay of a request first answered 202 once its order has left pending',
        ),
        ...commonProblems,
        '402': problem('Payment declined; the order is failed and stock restored'),
        '409': problem('Not enough stock, or the same Idempotency-Key is in flight'),
        '413': problem('Body too large'),
        '422': problem('Unknown products, or Idempotency-Key reused with another body'),
        '429': problem('More orders than RATE_LIMIT_ORDERS_PER_MINUTE by this user (Retry-After)'),
        '502': problem(
          'The Payment Service charged another amount; the order is failed and compensated',
        ),
        '503': problem(
          'Product Service unavailable, nothing stored; or the service is starting or the database is not answering (Retry-After)',
        ),
      },
    },
    get: {
      summary: 'List orders, newest first',
      description:
        'Newest first: createdAt desc, then id desc. Two ways to page, same order: by `page` (with `total` and `totalPages`; each page reads the rows before it), or by `after` = the previous `pagination.nextCursor` (reads only the page, counts nothing: `page`, `total` and `totalPages` are null). Every response carries `nextCursor`, so a client can switch to cursors from any page. Keep the filters and limit the same while following cursors.',
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
        '200': { description: 'One page', content: json(ref('OrderPage')) },
        ...commonProblems,
        '403': problem("A user asked for another user's orders"),
      },
    },
  },
  '/api/orders/{id}': {
    get: {
      summary: 'One order (owner or admin)',
      parameters: [idParameter],
      responses: {
        '200': orderResponse('The order'),
        ...commonProblems,
        '404': problem('Missing or not yours'),
      },
    },
  },
  '/api/orders/{id}/history': {
    get: {
      summary: "The order's status changes, oldest first",
      parameters: [idParameter],
      responses: {
        '200': { description: 'The audit trail', content: json(ref('OrderHistory')) },
        ...commonProblems,
        '404': problem('Missing or not yours'),
      },
    },
  },
  '/api/orders/{id}/status': {
    patch: {
      summary: 'Change status (admin only)',
      parameters: [idParameter, ifMatch],
      requestBody: { required: true, content: json(ref('ChangeStatusRequest')) },
      responses: {
        '200': orderResponse('Changed'),
        '202': orderResponse('Cancel or fail accepted; the refund finishes in the background'),
        ...commonProblems,
        '403': problem('Not an admin'),
        '404': problem('Missing'),
        '409': problem('Transition not allowed; names the current and allowed statuses'),
        '412': problem('If-Match is stale'),
      },
    },
  },
  '/api/orders/{id}/cancel': {
    post: {
      summary: 'Cancel (owner or admin): refund if charged, restock',
      parameters: [idParameter, ifMatch],
      requestBody: { required: false, content: json(ref('CancelRequest')) },
      responses: {
        '200': orderResponse('Cancelled (or already cancelled)'),
        '202': orderResponse('Accepted; the refund finishes in the background'),
        ...commonProblems,
        '404': problem('Missing or not yours'),
        '409': problem('Shipped, delivered or failed'),
        '412': problem('If-Match is stale'),
      },
    },
  },
};
