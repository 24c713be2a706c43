import client from 'prom-client';
import { compensationCauses } from '../domain/order-saga.js';
import { orderStatuses } from '../domain/order-status.js';
import { parkableSteps, peerOfStep } from '../domain/saga-attention.js';
import type { StateSources } from './state-metrics.js';
import { createStateMetrics } from './state-metrics.js';

export type BreakerState = 'closed' | 'half-open' | 'open';

/** circuit_breaker_state's values: ordered, so `max` over time shows the worst state. */
export const breakerStateValue = {
  closed: 0,
  'half-open': 1,
  open: 2,
} as const satisfies Record<BreakerState, number>;

/** The tables the retention job (saga/retention.ts) deletes from: retention_deleted_rows_total. */
export const retentionTables = ['sagas', 'saga_log', 'outbox', 'order_events'] as const;

export type RetentionTable = (typeof retentionTables)[number];

// Buckets, each range chosen for what it times:
// GETs answer in milliseconds, POST /api/orders waits up to ORDER_RESPONSE_DEADLINE_MS (8 s).
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Three or more peer calls plus retries, then 202 at the response deadline (8 s by default).
const orderBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30];
// One attempt is bounded by PEER_TIMEOUT_MS (2 s): a timed-out attempt lands above the 2 s bucket.
const peerBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5];
// Indexed statements take well under a millisecond locally; statement_timeout is 15 s.
const databaseBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 15];

/** The service's Prometheus registry (docs/api.md, "Health, metrics, documentation"; docs/operations.md, "Metrics"). */
export function createMetrics(sources?: StateSources) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which `promtool check metrics` rejects; each is the sum over
  // `type` of the same gauge without `_total` (nodejs_active_handles, …), which stays.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    registry.removeSingleMetric(name);
  }
  const registers = [registry];

  const metrics = {
    registry,
    httpRequestDuration: new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: httpBuckets,
      registers,
    }),
    httpRequests: new client.Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers,
    }),
    ordersCreated: new client.Counter({
      name: 'orders_created_total',
      help: 'Orders stored (entered pending)',
      registers,
    }),
    orderStatus: new client.Counter({
      name: 'orders_status_total',
      help: 'Transitions into each order status',
      labelNames: ['status'] as const,
      registers,
    }),
    orderProcessingDuration: new client.Histogram({
      name: 'order_processing_duration_seconds',
      help: 'Time from receiving POST /api/orders to its answer, by outcome',
      labelNames: ['outcome'] as const,
      buckets: orderBuckets,
      registers,
    }),
    externalRequests: new client.Counter({
      name: 'external_service_requests_total',
      help: 'Calls to peer services (one per attempt) by service, operation and status',
      labelNames: ['service', 'operation', 'status'] as const,
      registers,
    }),
    externalDuration: new client.Histogram({
      name: 'external_service_duration_seconds',
      help: 'Peer call duration (one per attempt) by service and operation',
      labelNames: ['service', 'operation'] as const,
      buckets: peerBuckets,
      registers,
    }),
    databaseQueryDuration: new client.Histogram({
      name: 'database_query_duration_seconds',
      help: 'Database statement duration by operation (first SQL keyword)',
      labelNames: ['operation'] as const,
      buckets: databaseBuckets,
      registers,
    }),
    sagaCompensations: new client.Counter({
      name: 'saga_compensations_total',
      help: 'Sagas that started undoing (entered compensating), by kind and cause',
      labelNames: ['kind', 'cause'] as const,
      registers,
    }),
    sagaParked: new client.Counter({
      name: 'saga_parked_total',
      help: 'Sagas parked for an admin: a peer refused a step with a 4xx no retry fixes',
      labelNames: ['kind', 'service', 'operation'] as const,
      registers,
    }),
    recoveryRuns: new client.Counter({
      name: 'saga_recovery_runs_total',
      help: 'Recovery worker passes (claim due sagas, relay the outbox), by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    retentionDeletedRows: new client.Counter({
      name: 'retention_deleted_rows_total',
      help: 'Rows the retention job deleted: finished sagas, their saga_log, delivered outbox rows, published order events',
      labelNames: ['table'] as const,
      registers,
    }),
    orderEventsPublished: new client.Counter({
      name: 'order_events_published_total',
      help: 'Order events the broker confirmed, by CloudEvents type (a republish counts again)',
      labelNames: ['type'] as const,
      registers,
    }),
    orderEventPublishFailures: new client.Counter({
      name: 'order_event_publish_failures_total',
      help: 'Order events given back unpublished: broker unreachable, or it refused them (nack)',
      labelNames: ['reason'] as const,
      registers,
    }),
    orderEventConfirmDuration: new client.Histogram({
      name: 'order_event_confirm_duration_seconds',
      help: 'From publishing a batch of order events to the broker confirming it',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    circuitBreakerState: new client.Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker per peer service: 0 closed, 1 half-open, 2 open',
      labelNames: ['service'] as const,
      registers,
    }),
    ...createStateMetrics(registry, sources),
  };

  // Known label values start at 0, so `rate()` and alerts see the first event.
  for (const status of orderStatuses) metrics.orderStatus.inc({ status }, 0);
  for (const [kind, causes] of Object.entries(compensationCauses)) {
    for (const cause of causes) metrics.sagaCompensations.inc({ kind, cause }, 0);
  }
  for (const [kind, steps] of Object.entries(parkableSteps)) {
    for (const step of steps) metrics.sagaParked.inc({ kind, ...peerOfStep[step] }, 0);
  }
  for (const outcome of ['completed', 'failed']) metrics.recoveryRuns.inc({ outcome }, 0);
  for (const table of retentionTables) metrics.retentionDeletedRows.inc({ table }, 0);
  for (const reason of ['unreachable', 'refused']) {
    metrics.orderEventPublishFailures.inc({ reason }, 0);
  }
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
