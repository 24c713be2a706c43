// Generated from the document the service serves as /openapi.json by openapi-typescript:
// `npm run client:generate` (examples/client/generate-schema.ts). Do not edit; regenerate.
// test/docs/typed-client.test.ts fails while this file and the document differ.

export interface paths {
  '/api/orders': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List orders, newest first
     * @description Users get their own orders, admins everyone's. Newest first: createdAt desc, then id desc. Two ways to page, same order: by `page` (with `total` and `totalPages`; each page reads the rows before it), or by `after` = the previous `pagination.nextCursor` (reads only the page, counts nothing: `page`, `total` and `totalPages` are null). Every response carries `nextCursor`, so a client can switch to cursors from any page. Keep the filters and limit the same while following cursors.
     */
    get: operations['listOrders'];
    put?: never;
    /**
     * Place an order (runs the order saga)
     * @description Any authenticated user. Verifies the products, checks stock, computes the total from the Product Service's prices, stores the order as pending, takes the stock, charges and marks it paid. With an `Idempotency-Key`, the same key and body replay the first answer (`Idempotent-Replayed: true`).
     */
    post: operations['placeOrder'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/orders/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One order (owner or admin)
     * @description The order with its items, and its version as `ETag`. Another user's order answers 404, as a missing one does.
     */
    get: operations['getOrder'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/orders/{id}/history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The order's status changes, oldest first
     * @description Every status change with who made it (`user:<id>`, `admin:<id>`, or `system` for the saga) and the reason given. Owner or admin.
     */
    get: operations['getOrderHistory'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/orders/{id}/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Change status (admin only)
     * @description Allowed: paid→processing, processing→shipped, shipped→delivered, pending|paid|processing→cancelled (as a cancel: refund and restock), processing→failed (refund and restock). The role is checked before the order is looked up. Each change is recorded in the history and queues its notification.
     */
    patch: operations['changeOrderStatus'];
    trace?: never;
  };
  '/api/orders/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel (owner or admin): refund if charged, restock
     * @description From pending, paid or processing: the charge (if any) refunded in full, all stock restored, `order.cancelled` queued. Already cancelled: 200, nothing done again. Shipped, delivered or failed: 409.
     */
    post: operations['cancelOrder'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/admin/sagas': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Unfinished or stuck sagas, longest waiting first (admin only)
     * @description `state=unfinished` (the default) lists running, compensating and parked sagas; a parked one shows `needs-attention`, with the peer and what it answered. The count stops at 10,000.
     */
    get: operations['listSagas'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/admin/sagas/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One saga with its log: outcomes, refusals and admin decisions (admin only)
     * @description The saga and every recorded step outcome and admin decision, oldest first, with who decided and why.
     */
    get: operations['getSaga'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/admin/sagas/{id}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Make an unfinished saga due now; one that needs attention sends its refused step again (admin only)
     * @description The refused step is sent again with the same Idempotency-Key, so the peer applies it once. The reason, when given, goes to the saga log.
     */
    post: operations['retrySaga'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/admin/sagas/{id}/resolve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Settle a saga's refused step by hand: a stock decrease or charge as not done (the order fails, or is cancelled when a cancel waits), a refund or restock as done (admin only)
     * @description For a parked saga only. The reason is required: it goes to the saga log, and to the order history when the order fails or is cancelled because of it.
     */
    post: operations['resolveSaga'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness with version
     * @description The version being served and seconds since start.
     */
    get: operations['getHealth'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The process can serve
     * @description Checks no dependency: for a liveness probe.
     */
    get: operations['getLiveness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Database up and migrations applied; 503 while starting or stopping
     * @description For a readiness probe: 503 while starting, when the database is unreachable, and from the moment SIGTERM arrives. Peers are reported, never counted.
     */
    get: operations['getReadiness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics
     * @description Prometheus text format: request, order, saga, peer and database metrics, and the default process metrics. Keep it on the internal network.
     */
    get: operations['getMetrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This document
     * @description OpenAPI 3.1, generated from the code at start.
     */
    get: operations['getOpenApiDocument'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/asyncapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The order events, as AsyncAPI 3
     * @description AsyncAPI 3.0 of the order events this service publishes to RabbitMQ while EVENTS_BROKER_URL is set (docs/events.md): the exchange, one message per event type, each a CloudEvent whose data is an `Order` plus `previousStatus`. Generated from the code at start, with the EVENTS_EXCHANGE, EVENTS_SOURCE and EVENTS_TYPE_PREFIX of this deployment; served whether or not events are on.
     */
    get: operations['getAsyncApiDocument'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/docs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This document as an interactive reference (Swagger UI)
     * @description Swagger UI, served by the service itself from the swagger-ui-dist package under its CSP (no CDN), built from /openapi.json: every operation, with Authorize for a bearer token and Try it out.
     */
    get: operations['getDocsPage'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/docs/assets/{file}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A script, style sheet or icon the /docs page loads
     * @description Only these files are served; with `v` (the Swagger UI version) they are cached for a year.
     */
    get: operations['getDocsAsset'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    ShippingAddress: {
      name?: string;
      street: string;
      city: string;
      state?: string;
      postalCode: string;
      country: string;
    };
    PlaceOrderRequest: {
      items: {
        productId: number;
        quantity: number;
      }[];
      shippingAddress: components['schemas']['ShippingAddress'];
      paymentMethod?: string;
    };
    ChangeStatusRequest: {
      /** @enum {string} */
      status: 'pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed';
      reason?: string;
    };
    CancelRequest: {
      reason?: string;
    };
    RetrySagaRequest: {
      reason?: string;
    };
    ResolveSagaRequest: {
      reason: string;
    };
    Order: {
      id: number;
      userId: number;
      /** @enum {string} */
      status: 'pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed';
      /** @example 59.98 */
      totalAmount: string;
      currency: string;
      shippingAddress: components['schemas']['ShippingAddress'];
      items: {
        productId: number;
        quantity: number;
        /** @example 59.98 */
        price: string;
      }[];
      paymentId: string | null;
      version: number;
      /**
       * Format: date-time
       * @example 2026-11-24T10:00:00.000Z
       */
      createdAt: string;
      /**
       * Format: date-time
       * @example 2026-11-24T10:00:00.000Z
       */
      updatedAt: string;
    };
    OrderPage: {
      data: components['schemas']['Order'][];
      pagination: {
        /** @description The page asked for; null only in cursor mode (with `after`). */
        page: number | null;
        limit: number;
        /** @description Orders matching the filters, all pages together; null only in cursor mode, which counts nothing so a deep page costs no more than the first. */
        total: number | null;
        /** @description ceil(total / limit); null only in cursor mode. */
        totalPages: number | null;
        /**
         * @description Pass as `after`, with the same filters and limit, for the orders that follow this page; null when none follow. Opaque: it holds a position (createdAt, id) only.
         * @example MjAyNi0xMS0yNFQxMDowMDowMC4xMjM0NTZafDE3
         */
        nextCursor: string | null;
      };
    };
    OrderHistory: {
      data: {
        from:
          | ('pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed')
          | null;
        /** @enum {string} */
        to: 'pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed';
        /** @example user:42 */
        actor: string;
        reason: string | null;
        /**
         * Format: date-time
         * @example 2026-11-24T10:00:00.000Z
         */
        at: string;
      }[];
    };
    Problem: {
      type: string;
      title: string;
      status: number;
      detail: string;
      traceId: string;
      errors?: {
        path: string;
        message: string;
      }[];
      /** @description unknown-products, insufficient-stock */
      productIds?: number[];
      /** @description payment-declined, payment-error; insufficient-stock and unknown-products once the order was stored */
      orderId?: number;
      /** @description payment-declined */
      reason?: string;
      /**
       * @description illegal-transition
       * @enum {string}
       */
      currentStatus?:
        'pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed';
      /**
       * @description illegal-transition
       * @enum {string}
       */
      requestedStatus?:
        'pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed';
      /** @description illegal-transition */
      allowedStatuses?: (
        'pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed'
      )[];
      /** @description precondition-failed */
      currentVersion?: number;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  listOrders: {
    parameters: {
      query?: {
        /** @description Page mode. With `after` only 1 (or absent) is accepted; more is 400. */
        page?: number;
        limit?: number;
        status?:
          'pending' | 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'failed';
        /** @description Admins: any user's orders. Users: only their own id, else 403. */
        userId?: number;
        /** @description Only orders created at or after this instant (inclusive). ISO 8601 with Z or an offset (send + as %2B), at most milliseconds. */
        createdFrom?: string;
        /** @description Only orders created before this instant (exclusive); must be later than createdFrom. */
        createdTo?: string;
        /** @description Cursor mode: the orders after the position in this cursor, a `pagination.nextCursor` passed back unchanged. It holds only a position, never who may see what. Malformed: 400. */
        after?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One page */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OrderPage'];
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A user asked for another user's orders */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  placeOrder: {
    parameters: {
      query?: never;
      header?: {
        /**
         * @description Scoped to the user; 1–255 visible ASCII characters
         * @example checkout-5f0c2a
         */
        'Idempotency-Key'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PlaceOrderRequest'];
      };
    };
    responses: {
      /** @description The order as it is now: cancelled (or failed past the saga deadline) while the request waited, or the replay of a request first answered 202 once its order has left pending */
      200: {
        headers: {
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Paid; Location names the order */
      201: {
        headers: {
          /** @description The new order: /api/orders/{id} */
          Location?: string;
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Stored as pending; finishes in the background */
      202: {
        headers: {
          /** @description The new order: /api/orders/{id} */
          Location?: string;
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Payment declined; the order is failed and stock restored */
      402: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Not enough stock, or the same Idempotency-Key is in flight */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A body whose Content-Type is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Unknown products, or Idempotency-Key reused with another body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description More orders than RATE_LIMIT_ORDERS_PER_MINUTE by this user (Retry-After) */
      429: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The Payment Service charged another amount; the order is failed and compensated */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Product Service unavailable, nothing stored; or the service is starting or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getOrder: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /**
         * @description A positive integer; anything else answers 400
         * @example 17
         */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The order */
      200: {
        headers: {
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing or not yours */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getOrderHistory: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /**
         * @description A positive integer; anything else answers 400
         * @example 17
         */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The audit trail */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OrderHistory'];
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing or not yours */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  changeOrderStatus: {
    parameters: {
      query?: never;
      header?: {
        /** @description The version the change is based on; a stale one answers 412. */
        'If-Match'?: string;
      };
      path: {
        /**
         * @description A positive integer; anything else answers 400
         * @example 17
         */
        id: number;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ChangeStatusRequest'];
      };
    };
    responses: {
      /** @description Changed */
      200: {
        headers: {
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Cancel or fail accepted; the refund finishes in the background */
      202: {
        headers: {
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Not an admin */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Transition not allowed; names the current and allowed statuses */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description If-Match is stale */
      412: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A body whose Content-Type is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  cancelOrder: {
    parameters: {
      query?: never;
      header?: {
        /** @description The version the change is based on; a stale one answers 412. */
        'If-Match'?: string;
      };
      path: {
        /**
         * @description A positive integer; anything else answers 400
         * @example 17
         */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['CancelRequest'];
      };
    };
    responses: {
      /** @description Cancelled (or already cancelled) */
      200: {
        headers: {
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Accepted; the refund finishes in the background */
      202: {
        headers: {
          /** @description The order version, quoted */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing or not yours */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Shipped, delivered or failed */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description If-Match is stale */
      412: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A body whose Content-Type is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listSagas: {
    parameters: {
      query?: {
        state?:
          'unfinished' | 'needs-attention' | 'running' | 'compensating' | 'completed' | 'failed';
        page?: number;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One page: id, orderId, kind, state, step, attempts, lastError, nextAttemptAt, lockedUntil, deadlineAt */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              id: number;
              orderId: number;
              /** @enum {string} */
              kind: 'place' | 'cancel' | 'fail';
              /**
               * @description `needs-attention`: a peer refused a step with a 4xx no retry fixes; the saga waits for an admin retry or resolve
               * @enum {string}
               */
              state: 'running' | 'compensating' | 'needs-attention' | 'completed' | 'failed';
              /** Format: date-time */
              parkedAt: string | null;
              /** @description What the peer answered to the refused step, while the saga needs attention */
              peerAnswer: null | {
                /** @enum {string} */
                service: 'product' | 'payment';
                /** @enum {string} */
                operation: 'decreaseStock' | 'increaseStock' | 'charge' | 'refund';
                /** @example 403 */
                status: number | null;
              };
              /** @example charge */
              step: string;
              attempts: number;
              lastError: string | null;
              /**
               * Format: date-time
               * @description null while the saga needs attention: it is never due until an admin acts
               */
              nextAttemptAt: string | null;
              /** Format: date-time */
              lockedUntil: string | null;
              /** Format: date-time */
              deadlineAt: string;
              /** Format: date-time */
              createdAt: string;
              /** Format: date-time */
              updatedAt: string;
            }[];
            pagination: {
              page: number;
              limit: number;
              /** @description Counted up to 10,000 sagas */
              total: number;
              totalPages: number;
              /** @description true: more than 10,000 sagas match; total and totalPages stop there */
              totalIsLowerBound: boolean;
            };
          };
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Not an admin */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getSaga: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /**
         * @description A positive integer; anything else answers 400
         * @example 17
         */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The saga and its log */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id: number;
            orderId: number;
            /** @enum {string} */
            kind: 'place' | 'cancel' | 'fail';
            /**
             * @description `needs-attention`: a peer refused a step with a 4xx no retry fixes; the saga waits for an admin retry or resolve
             * @enum {string}
             */
            state: 'running' | 'compensating' | 'needs-attention' | 'completed' | 'failed';
            /** Format: date-time */
            parkedAt: string | null;
            /** @description What the peer answered to the refused step, while the saga needs attention */
            peerAnswer: null | {
              /** @enum {string} */
              service: 'product' | 'payment';
              /** @enum {string} */
              operation: 'decreaseStock' | 'increaseStock' | 'charge' | 'refund';
              /** @example 403 */
              status: number | null;
            };
            /** @example charge */
            step: string;
            attempts: number;
            lastError: string | null;
            /**
             * Format: date-time
             * @description null while the saga needs attention: it is never due until an admin acts
             */
            nextAttemptAt: string | null;
            /** Format: date-time */
            lockedUntil: string | null;
            /** Format: date-time */
            deadlineAt: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description The saga's recorded outcomes and admin decisions, oldest first */
            log: {
              /** @example charge */
              step: string;
              /** @example rejected */
              outcome: string | null;
              /** @description What the step recorded; which members appear depends on the step */
              detail: {
                /** @description A stock step: the outcome of each product */
                items?: {
                  productId: number;
                  /** @example changed */
                  outcome: string;
                }[];
                paymentId?: string;
                reason?: string | null;
                chargedAmount?: string;
                /** @description A refused step: the peer's HTTP status */
                status?: number;
                /** @enum {string} */
                action?: 'retry' | 'resolve';
                /** @example admin:1 */
                actor?: string;
              };
              attempt: number | null;
              /** Format: date-time */
              at: string;
            }[];
          };
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Not an admin */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such saga */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  retrySaga: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /**
         * @description A positive integer; anything else answers 400
         * @example 17
         */
        id: number;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['RetrySagaRequest'];
      };
    };
    responses: {
      /** @description Scheduled */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id: number;
            orderId: number;
            /** @enum {string} */
            kind: 'place' | 'cancel' | 'fail';
            /**
             * @description `needs-attention`: a peer refused a step with a 4xx no retry fixes; the saga waits for an admin retry or resolve
             * @enum {string}
             */
            state: 'running' | 'compensating' | 'needs-attention' | 'completed' | 'failed';
            /** Format: date-time */
            parkedAt: string | null;
            /** @description What the peer answered to the refused step, while the saga needs attention */
            peerAnswer: null | {
              /** @enum {string} */
              service: 'product' | 'payment';
              /** @enum {string} */
              operation: 'decreaseStock' | 'increaseStock' | 'charge' | 'refund';
              /** @example 403 */
              status: number | null;
            };
            /** @example charge */
            step: string;
            attempts: number;
            lastError: string | null;
            /**
             * Format: date-time
             * @description null while the saga needs attention: it is never due until an admin acts
             */
            nextAttemptAt: string | null;
            /** Format: date-time */
            lockedUntil: string | null;
            /** Format: date-time */
            deadlineAt: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
          };
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Not an admin */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such saga */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The saga has finished, or another admin decision took it first */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A body whose Content-Type is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  resolveSaga: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /**
         * @description A positive integer; anything else answers 400
         * @example 17
         */
        id: number;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ResolveSagaRequest'];
      };
    };
    responses: {
      /** @description Resolved; the saga finishes in the background */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id: number;
            orderId: number;
            /** @enum {string} */
            kind: 'place' | 'cancel' | 'fail';
            /**
             * @description `needs-attention`: a peer refused a step with a 4xx no retry fixes; the saga waits for an admin retry or resolve
             * @enum {string}
             */
            state: 'running' | 'compensating' | 'needs-attention' | 'completed' | 'failed';
            /** Format: date-time */
            parkedAt: string | null;
            /** @description What the peer answered to the refused step, while the saga needs attention */
            peerAnswer: null | {
              /** @enum {string} */
              service: 'product' | 'payment';
              /** @enum {string} */
              operation: 'decreaseStock' | 'increaseStock' | 'charge' | 'refund';
              /** @example 403 */
              status: number | null;
            };
            /** @example charge */
            step: string;
            attempts: number;
            lastError: string | null;
            /**
             * Format: date-time
             * @description null while the saga needs attention: it is never due until an admin acts
             */
            nextAttemptAt: string | null;
            /** Format: date-time */
            lockedUntil: string | null;
            /** Format: date-time */
            deadlineAt: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
          };
        };
      };
      /** @description Invalid path, query, header or body */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token */
      401: {
        headers: {
          /**
           * @description The scheme to authenticate with
           * @example Bearer
           */
          'WWW-Authenticate'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Not an admin */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such saga */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The saga is not waiting for an admin, or has finished */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A body whose Content-Type is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Anything unexpected; logged under the traceId, never described */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The service is starting, or the database is not answering (Retry-After) */
      503: {
        headers: {
          /**
           * @description Seconds to wait before trying again
           * @example 5
           */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getHealth: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description ok */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @constant */
            status: 'ok';
            version: string;
            /** @description Seconds since the process started */
            uptime: number;
          };
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getLiveness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description ok */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @constant */
            status: 'ok';
          };
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getReadiness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description ready */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status: 'ready' | 'starting' | 'stopping' | 'unavailable';
            checks: {
              /** @enum {string} */
              database: 'up' | 'down';
            };
            /** @description Each peer's last call: its HTTP status, or why there was none. Never makes the service unready. */
            peers: {
              [key: string]: {
                lastStatus: string;
                /** Format: date-time */
                at: string;
              };
            };
          };
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not ready */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status: 'ready' | 'starting' | 'stopping' | 'unavailable';
            checks: {
              /** @enum {string} */
              database: 'up' | 'down';
            };
            /** @description Each peer's last call: its HTTP status, or why there was none. Never makes the service unready. */
            peers: {
              [key: string]: {
                lastStatus: string;
                /** Format: date-time */
                at: string;
              };
            };
          };
        };
      };
    };
  };
  getMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description text format */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getOpenApiDocument: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OpenAPI 3.1, JSON */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            openapi: string;
            info: Record<string, never>;
            paths: Record<string, never>;
          };
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getAsyncApiDocument: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description AsyncAPI 3.0, JSON */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            asyncapi: string;
            info: Record<string, never>;
            channels: Record<string, never>;
            operations: Record<string, never>;
          };
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDocsPage: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description HTML */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/html': string;
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDocsAsset: {
    parameters: {
      query?: {
        /**
         * @description The Swagger UI version; with it the file is cached for a year
         * @example 5.36.0
         */
        v?: string;
      };
      header?: never;
      path: {
        /** @example init.js */
        file: 'swagger-ui-bundle.js' | 'swagger-ui.css' | 'favicon-32x32.png' | 'init.js';
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description JavaScript, CSS or PNG */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/javascript': string;
        };
      };
      /** @description The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such file */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
}
