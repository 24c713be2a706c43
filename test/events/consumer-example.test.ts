import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../examples/consumer/consume.js';
import { consumeOrderEvents } from '../../examples/consumer/consume.js';
import { placePaidOrder } from '../support/orders.js';
import { brokerUrl, testExchange } from '../support/rabbitmq.js';
import { useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const exchange = testExchange('consumer-example');
const env = useTestService({
  events: { brokerUrl, exchange, source: '/order-service', typePrefix: 'com.example' },
});

const handled: OrderEvent[] = [];
const dropped: OrderEvent[] = [];
let consumer: Awaited<ReturnType<typeof consumeOrderEvents>>;
beforeAll(async () => {
  consumer = await consumeOrderEvents({
    url: brokerUrl,
    exchange,
    pattern: '#',
    onEvent: (event) => {
      handled.push(event);
    },
    onDuplicate: (event) => {
      dropped.push(event);
    },
  });
});
afterAll(async () => {
  await consumer.close();
  const connection = await amqp.connect(brokerUrl);
  const channel = await connection.createChannel();
  await channel.deleteExchange(exchange);
  await connection.close();
});

const ofOrder = (events: OrderEvent[], orderId: number) =>
  events.filter((event) => event.subject === String(orderId));

describe('examples/consumer', () => {
  it('handles created, paid and cancelled once each, and drops a redelivered event', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);
    const cancelled = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});

    await expect.poll(() => ofOrder(handled, order.id).length).toBe(3);

    expect(cancelled.status).toBe(200);
    const events = ofOrder(handled, order.id);
    expect(events.map((event) => [event.type, event.data.status])).toEqual([
      ['com.example.order.created', 'pending'],
      ['com.example.order.paid', 'paid'],
      ['com.example.order.cancelled', 'cancelled'],
    ]);

    // The broker delivers the paid event again, as after a republish.
    const paid = events[1]!;
    const connection = await amqp.connect(brokerUrl);
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, paid.type, Buffer.from(JSON.stringify(paid)), {
      persistent: true,
      messageId: paid.id,
      contentType: 'application/cloudevents+json',
    });
    await channel.waitForConfirms();
    await connection.close();

    await expect.poll(() => ofOrder(dropped, order.id).map((event) => event.id)).toEqual([paid.id]);
    expect(ofOrder(handled, order.id)).toHaveLength(3);
  });
});
