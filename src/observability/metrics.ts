import client from 'prom-client';

/** The service's Prometheus registry (order-api.md, "Health and metrics"). */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    httpRequestDuration: new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
    httpRequests: new client.Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    }),
    ordersCreated: new client.Counter({
      name: 'orders_created_total',
      help: 'Orders stored (entered pending)',
      registers: [registry],
    }),
    orderStatus: new client.Counter({
      name: 'orders_status_total',
      help: 'Transitions into each order status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    orderProcessingDuration: new client.Histogram({
      name: 'order_processing_duration_seconds',
      help: 'Time from receiving POST /api/orders to its answer, by outcome',
      labelNames: ['outcome'] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
    externalRequests: new client.Counter({
      name: 'external_service_requests_total',
      help: 'Calls to peer services (one per attempt) by service, operation and status',
      labelNames: ['service', 'operation', 'status'] as const,
      registers: [registry],
    }),
    externalDuration: new client.Histogram({
      name: 'external_service_duration_seconds',
      help: 'Peer call duration (one per attempt) by service and operation',
      labelNames: ['service', 'operation'] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
    databaseQueryDuration: new client.Histogram({
      name: 'database_query_duration_seconds',
      help: 'Database statement duration by operation',
      labelNames: ['operation'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
