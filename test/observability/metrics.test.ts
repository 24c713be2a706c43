import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { advance, createProducts, declinedCard, placePaidOrder } from '../support/orders.js';
import type { MetricFamily } from '../support/prometheus.js';
import { hasCommand, parseExposition, promtool, startPrometheus } from '../support/prometheus.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

// A short response deadline: the stuck-saga test waits for its 202.
const env = useTestService({ orderResponseDeadlineMs: 1500 });

async function scrape(): Promise<{ text: string; families: Map<string, MetricFamily> }> {
  const response = await env.api().get('/metrics');
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return { text: response.text, families: parseExposition(response.text) };
}

/** The value of the one sample of `name` whose labels include `labels`; undefined if none. */
function valueOf(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name);
  const sample = family?.samples.find(
    (candidate) =>
      candidate.name === name &&
      Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
  );
  return sample?.value;
}

/** Every metric the service exports beyond Node's defaults: type and label names. */
const exported: [name: string, type: string, labels: string[]][] = [
  ['http_request_duration_seconds', 'histogram', ['method', 'route', 'status_code']],
  ['http_requests_total', 'counter', ['method', 'route', 'status_code']],
  ['orders_created_total', 'counter', []],
  ['orders_status_total', 'counter', ['status']],
  ['order_processing_duration_seconds', 'histogram', ['outcome']],
  ['external_service_requests_total', 'counter', ['service', 'operation', 'status']],
  ['external_service_duration_seconds', 'histogram', ['service', 'operation']],
  ['database_query_duration_seconds', 'histogram', ['operation']],
  ['sagas_in_flight', 'gauge', ['kind', 'step']],
  ['sagas_stuck', 'gauge', ['kind', 'step']],
  ['sagas_needs_attention', 'gauge', ['kind', 'step']],
  ['saga_parked_total', 'counter', ['kind', 'service', 'operation']],
  ['saga_compensations_total', 'counter', ['kind', 'cause']],
  ['saga_recovery_runs_total', 'counter', ['outcome']],
  ['retention_deleted_rows_total', 'counter', ['table']],
  ['outbox_undelivered_events', 'gauge', []],
  ['outbox_oldest_undelivered_age_seconds', 'gauge', []],
  ['order_events_published_total', 'counter', ['type']],
  ['order_event_publish_failures_total', 'counter', ['reason']],
  ['order_event_confirm_duration_seconds', 'histogram', []],
  ['circuit_breaker_state', 'gauge', ['service']],
  ['database_pool_connections', 'gauge', []],
  ['database_pool_idle_connections', 'gauge', []],
  ['database_pool_waiting_clients', 'gauge', []],
  ['metrics_collect_failures_total', 'counter', ['source']],
];

describe('GET /metrics after a representative workload', () => {
  let families: Map<string, MetricFamily>;
  let text: string;

  beforeAll(async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    // paid, then moved on by an admin
    const paid = await placePaidOrder(env, user);
    await advance(env, admin, paid.order.id, ['processing']);
    // declined
    const [product] = await createProducts(env, [{ price: '3.00', stock: 5, quantity: 1 }]);
    const declined = await env
      .api(user.token)
      .post(
        '/api/orders',
        orderBody([{ productId: product!.id, quantity: 1 }], { paymentMethod: declinedCard }),
      );
    // cancelled after payment
    const toCancel = await placePaidOrder(env, user);
    const cancelled = await env
      .api(user.token)
      .post(`/api/orders/${toCancel.order.id}/cancel`, { reason: 'changed my mind' });
    // a peer fault: the first charge attempt answers 503, the retry succeeds
    await env.peers.fault({ operation: 'charge', mode: 'error', status: 503, count: 1 });
    await placePaidOrder(env, user);
    // 404, 400, 401 and an unknown path
    const missing = await env.api(admin.token).get('/api/orders/999999999');
    const invalid = await env.api(user.token).post('/api/orders', { items: [] });
    const anonymous = await env.api().get('/api/orders');
    const nowhere = await env.api(user.token).get('/no/such/route');
    expect([declined.status, cancelled.status]).toEqual([402, 200]);
    expect([missing.status, invalid.status, anonymous.status, nowhere.status]).toEqual([
      404, 400, 401, 404,
    ]);

    ({ text, families } = await scrape());
  });

  it('exports each metric with its type and exactly its label names', () => {
    for (const [name, type, labels] of exported) {
      const family = families.get(name);
      expect(family, name).toBeDefined();
      expect(family?.type, name).toBe(type);
      expect(family?.help, name).not.toBe('');
      for (const sample of family?.samples ?? []) {
        const names = Object.keys(sample.labels).filter((label) => label !== 'le');
        expect(names.sort(), sample.name).toEqual([...labels].sort());
      }
    }
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge');
  });

  it('counts the orders and every status transition, saga-made ones included', () => {
    expect(valueOf(families, 'orders_created_total')).toBe(4);
    const transitions = (status: string) => valueOf(families, 'orders_status_total', { status });
    expect(transitions('pending')).toBe(4);
    expect(transitions('paid')).toBe(3);
    expect(transitions('processing')).toBe(1);
    expect(transitions('failed')).toBe(1);
    expect(transitions('cancelled')).toBe(1);
    expect(transitions('shipped')).toBe(0);
  });

  it('counts each saga that starts compensating, by kind and cause, and the recovery passes', () => {
    const compensations = (kind: string, cause: string) =>
      valueOf(families, 'saga_compensations_total', { kind, cause });
    expect(compensations('place', 'payment-declined')).toBe(1);
    expect(compensations('cancel', 'cancel-requested')).toBe(1);
    expect(compensations('fail', 'failed-by-admin')).toBe(0);
    const runs = (outcome: string) => valueOf(families, 'saga_recovery_runs_total', { outcome });
    expect(runs('completed')).toBeGreaterThanOrEqual(1);
    expect(runs('failed')).toBe(0);
  });

  it('times POST /api/orders by outcome', () => {
    const count = (outcome: string) =>
      valueOf(families, 'order_processing_duration_seconds_count', { outcome });
    expect(count('paid')).toBe(3);
    expect(count('declined')).toBe(1);
    expect(
      valueOf(families, 'order_processing_duration_seconds_sum', { outcome: 'paid' }),
    ).toSatisfy((seconds: number) => seconds > 0 && seconds < 30);
  });

  it('labels requests by route pattern, including those answered before routing', () => {
    const requests = (method: string, route: string, statusCode: string) =>
      valueOf(families, 'http_requests_total', { method, route, status_code: statusCode });
    expect(requests('POST', '/api/orders', '201')).toBe(3);
    expect(requests('POST', '/api/orders', '402')).toBe(1);
    expect(requests('POST', '/api/orders', '400')).toBe(1);
    expect(requests('POST', '/api/orders/:id/cancel', '200')).toBe(1);
    expect(requests('PATCH', '/api/orders/:id/status', '200')).toBe(1);
    expect(requests('GET', '/api/orders/:id', '404')).toBe(1);
    expect(requests('GET', '/api/orders', '401')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    const routes = new Set(
      families.get('http_requests_total')?.samples.map((sample) => sample.labels.route),
    );
    for (const route of routes) expect(route).toMatch(/^(\/[a-z/:.-]*|unmatched)$/);
    expect([...routes].some((route) => route?.includes('999999999'))).toBe(false);
  });

  it('counts peer calls per attempt, the failed one with its status', () => {
    const calls = (service: string, operation: string, status: string) =>
      valueOf(families, 'external_service_requests_total', { service, operation, status });
    expect(calls('payment', 'charge', '503')).toBe(1);
    expect(calls('payment', 'charge', '402')).toBe(1);
    expect(
      valueOf(families, 'external_service_duration_seconds_count', {
        service: 'product',
        operation: 'getProduct',
      }),
    ).toBeGreaterThanOrEqual(4);
    for (const service of ['product', 'payment', 'notification']) {
      expect(valueOf(families, 'circuit_breaker_state', { service }), service).toBe(0);
    }
  });

  it('times database statements by their first keyword and reports the pool', () => {
    const operations = families
      .get('database_query_duration_seconds')
      ?.samples.filter((sample) => sample.name.endsWith('_count'));
    const names = operations?.map((sample) => sample.labels.operation) ?? [];
    expect(names).toEqual(expect.arrayContaining(['select', 'with', 'update']));
    for (const name of names) expect(name).toMatch(/^[a-z]+$/);
    const total = valueOf(families, 'database_pool_connections') ?? -1;
    expect(total).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThanOrEqual(10);
    expect(valueOf(families, 'database_pool_idle_connections')).toSatisfy(
      (idle: number) => idle >= 0 && idle <= total,
    );
    // Background passes (recovery every 200 ms here) may be waiting for a connection.
    expect(valueOf(families, 'database_pool_waiting_clients')).toSatisfy(
      (waiting: number) => Number.isInteger(waiting) && waiting >= 0,
    );
  });

  it('starts the known label values at 0 and reads the outbox without failures', () => {
    expect(
      valueOf(families, 'saga_compensations_total', { kind: 'place', cause: 'payment-declined' }),
    ).toBeGreaterThanOrEqual(0);
    expect(
      valueOf(families, 'saga_recovery_runs_total', { outcome: 'failed' }),
    ).toBeGreaterThanOrEqual(0);
    for (const table of ['sagas', 'saga_log', 'outbox']) {
      expect(valueOf(families, 'retention_deleted_rows_total', { table }), table).toBe(0);
    }
    expect(valueOf(families, 'outbox_undelivered_events')).toBeGreaterThanOrEqual(0);
    expect(valueOf(families, 'outbox_oldest_undelivered_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(valueOf(families, 'metrics_collect_failures_total', { source: 'sagas' })).toBe(0);
    expect(valueOf(families, 'metrics_collect_failures_total', { source: 'outbox' })).toBe(0);
  });

  it('keeps every histogram consistent: cumulative buckets ending in +Inf = count', () => {
    for (const family of families.values()) {
      if (family.type !== 'histogram') continue;
      const series = new Map<string, { buckets: number[]; count?: number }>();
      for (const sample of family.samples) {
        const { le, ...rest } = sample.labels;
        const key = JSON.stringify(rest);
        const entry = series.get(key) ?? { buckets: [] };
        series.set(key, entry);
        if (sample.name.endsWith('_bucket')) entry.buckets.push(sample.value);
        if (sample.name.endsWith('_count')) entry.count = sample.value;
        // A labelled series exists only once observed; an unlabelled one (the order-event
        // confirm time, without a broker) is there from the start, empty.
        if (le === '+Inf' && key !== '{}') {
          expect(sample.value, `${family.name} ${key}`).toBeGreaterThan(0);
        }
      }
      for (const [key, { buckets, count }] of series) {
        expect(buckets, `${family.name} ${key}`).toEqual([...buckets].sort((a, b) => a - b));
        expect(buckets.at(-1), `${family.name} ${key}`).toBe(count);
      }
    }
  });

  it('passes promtool check metrics', async ({ skip }) => {
    skip(!hasCommand('promtool'), 'promtool is not installed (Debian package prometheus)');

    const result = await promtool(['check', 'metrics'], text);

    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('a real Prometheus server', () => {
  it('scrapes the running service, evaluates the alert rules, and returns the order series', async ({
    skip,
  }) => {
    skip(!hasCommand('prometheus'), 'prometheus is not installed (Debian package prometheus)');
    const target = new URL(env.url).host;
    const rules = fileURLToPath(new URL('../../ops/prometheus/alerts.yml', import.meta.url));
    await readFile(rules); // fail here, not inside Prometheus, if the file is missing
    const prometheus = await startPrometheus(
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${rules}']`,
        'scrape_configs:',
        '  - job_name: order-service',
        `    static_configs: [{ targets: ['${target}'] }]`,
        '',
      ].join('\n'),
    );
    try {
      const query = '/api/v1/query?query=orders_created_total';
      await expect
        .poll(() => prometheus.api(query).catch(() => undefined), {
          timeout: 30_000,
          interval: 250,
        })
        .toMatchObject({ status: 'success', data: { result: [expect.anything()] } });
      const answer = (await prometheus.api(query)) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      expect(answer.data.result[0]?.metric).toMatchObject({
        __name__: 'orders_created_total',
        job: 'order-service',
        instance: target,
      });
      expect(Number(answer.data.result[0]?.value[1])).toBeGreaterThanOrEqual(1);
      const up = (await prometheus.api('/api/v1/query?query=up')) as typeof answer;
      expect(up.data.result[0]?.value[1]).toBe('1');
      await expect
        .poll(
          async () => {
            const body = (await prometheus.api('/api/v1/rules')) as {
              data: { groups: { rules: { name: string; health: string }[] }[] };
            };
            return body.data.groups.flatMap((group) => group.rules).map((rule) => rule.health);
          },
          { timeout: 15_000, interval: 250 },
        )
        .toSatisfy((healths: string[]) => healths.length > 0 && healths.every((h) => h === 'ok'));
    } finally {
      await prometheus.stop();
    }
  });
});

describe('state read from the database at scrape', () => {
  it('reports a saga stuck behind a failing peer, its open breaker and the outbox backlog', async () => {
    const user = await newUser();
    const [product] = await createProducts(env, [{ price: '5.00', stock: 5, quantity: 1 }]);
    await env.peers.fault({
      operation: 'decreaseStock',
      mode: 'error',
      match: { productId: product!.id },
    });
    await env.peers.fault({ operation: 'notify', mode: 'error' });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product!.id, quantity: 1 }]));

    expect(response.status).toBe(202);
    // Three passes end "outcome unknown" within a few seconds (backoff 1 s, 2 s, …).
    const place = { kind: 'place', step: 'decrease-stock' };
    await expect
      .poll(async () => valueOf((await scrape()).families, 'sagas_stuck', place), {
        timeout: 20_000,
        interval: 250,
      })
      .toBeGreaterThanOrEqual(1);
    const { families } = await scrape();
    expect(valueOf(families, 'sagas_in_flight', place)).toBeGreaterThanOrEqual(1);
    expect(valueOf(families, 'circuit_breaker_state', { service: 'product' })).toBe(2);
    expect(valueOf(families, 'outbox_undelivered_events')).toBeGreaterThanOrEqual(1);
    expect(valueOf(families, 'outbox_oldest_undelivered_age_seconds')).toBeGreaterThan(0);
  });
});
