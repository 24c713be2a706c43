import { SpanKind } from '@opentelemetry/api';
import { CloudEvent } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../support/prometheus.js';
import type { EventConsumer } from '../support/rabbitmq.js';
import { brokerUrl, consumeEvents, testExchange } from '../support/rabbitmq.js';
import { placePaidOrder } from '../support/orders.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { recordSpans } from '../support/tracing-setup.js';
import { newUser } from '../support/tokens.js';

const exchange = testExchange('events');
const env = useTestService({
  events: { brokerUrl, exchange, source: '/order-service', typePrefix: 'com.example' },
});
let consumer: EventConsumer;
beforeAll(async () => {
  consumer = await consumeEvents(exchange);
});
afterAll(async () => {
  await consumer.close();
});

describe('order events on RabbitMQ (issue 15)', () => {
  it('publishes created, paid, cancelled for a placed-then-cancelled order: valid CloudEvents whose data is the API view', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);
    const cancelled = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});
    expect(cancelled.status).toBe(200);

    await consumer.waitForEvents(order.id, 3);

    const events = consumer.eventsOf(order.id);
    expect(events.map((event) => event.type)).toEqual([
      'com.example.order.created',
      'com.example.order.paid',
      'com.example.order.cancelled',
    ]);
    for (const event of events) {
      expect(() => new CloudEvent(event).validate()).not.toThrow();
      expect(event).toMatchObject({
        specversion: '1.0',
        source: '/order-service',
        subject: String(order.id),
        datacontenttype: 'application/json',
      });
      expect(event.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
    expect(events.map((event) => [event.data.previousStatus, event.data.status])).toEqual([
      [null, 'pending'],
      ['pending', 'paid'],
      ['paid', 'cancelled'],
    ]);
    expect(events.map((event) => event.data.version)).toEqual([1, 2, 3]);
    const now = await env.api(user.token).get(`/api/orders/${order.id}`);
    const { previousStatus, ...last } = events[2]!.data;
    expect(previousStatus).toBe('paid');
    expect(last).toEqual(now.body);
    expect(events[2]!.time).toBe(now.body.updatedAt);
  });

  it('counts what the broker confirmed, and reports an empty backlog once it has', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);
    await consumer.waitForEvents(order.id, 2);
    const sample = async (name: string, labels: Record<string, string> = {}) => {
      const families = parseExposition((await env.api().get('/metrics')).text);
      const family = families.get(name.replace(/_count$/, '')) ?? families.get(name);
      return family?.samples.find(
        (each) =>
          each.name === name &&
          Object.entries(labels).every(([key, value]) => each.labels[key] === value),
      )?.value;
    };

    await expect.poll(() => sample('order_events_unpublished'), { timeout: 10_000 }).toBe(0);
    expect(await sample('order_events_oldest_unpublished_age_seconds')).toBe(0);
    expect(
      await sample('order_events_published_total', { type: 'com.example.order.paid' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await sample('order_event_publish_failures_total', { reason: 'unreachable' })).toBe(0);
    expect(await sample('order_event_confirm_duration_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('carries the trace of the request that made each change, so a consumer joins the order’s trace', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '2.00', stock: 3 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const recorded = recordSpans();

    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]), {
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      });

    expect(placed.status).toBe(201);
    await consumer.waitForEvents(placed.body.id, 2);
    const events = consumer.eventsOf(placed.body.id);
    expect(events.map((event) => event.type)).toEqual([
      'com.example.order.created',
      'com.example.order.paid',
    ]);
    for (const event of events) {
      expect(event.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    }
    // One PRODUCER span per publish, in the order's trace; the event names it as its parent.
    const publishesOf = () =>
      recorded.spans().filter((span) => span.name === `publish ${exchange}`);
    // A span ends once the broker confirmed, which may be after the consumer got the message.
    await expect.poll(() => publishesOf().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const publishes = publishesOf();
    for (const event of events) {
      const spanId = String(event.traceparent).split('-')[2];
      const span = publishes.find((each) => each.spanContext().spanId === spanId);
      expect(span?.kind).toBe(SpanKind.PRODUCER);
      expect(span?.spanContext().traceId).toBe(traceId);
      expect(span?.attributes['messaging.message.id']).toBe(event.id);
    }
  });
});
