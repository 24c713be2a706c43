import { CloudEvent } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../support/prometheus.js';
import type { EventConsumer } from '../support/rabbitmq.js';
import { brokerUrl, consumeEvents, testExchange } from '../support/rabbitmq.js';
import { placePaidOrder } from '../support/orders.js';
import { useTestService } from '../support/test-service.js';
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
});
