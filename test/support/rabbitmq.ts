import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ProcessCluster } from './service-process.js';
import { useProcessCluster } from './service-process.js';
import { runCommand } from './command.js';

/** The machine's RabbitMQ (`.ci/run` starts it when it is down); TEST_AMQP_URL overrides it. */
export const brokerUrl = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** An exchange name of the test's own, so runs and files never see each other's events. */
export const testExchange = (name: string): string => `orders-test-${name}-${randomUUID()}`;

export type ReceivedEvent = {
  /** The message body: a CloudEvent in structured JSON mode. */
  event: Record<string, unknown> & { id: string; type: string; subject: string; data: any };
  message: ConsumeMessage;
};

/**
 * A consumer of `exchange` as a shop's service would be: a queue of its own bound to every
 * routing key (`#`), each message acknowledged after it is recorded. It declares the exchange
 * (durable topic, as the service does) so nothing published before the service connects is
 * lost, and deletes it on close.
 */
export async function consumeEvents(exchange: string) {
  const connection = await amqp.connect(brokerUrl);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  const received: ReceivedEvent[] = [];
  await channel.consume(queue, (message) => {
    if (message === null) return;
    received.push({ event: JSON.parse(message.content.toString('utf8')), message });
    channel.ack(message);
  });
  return {
    received,
    /** The events of one order, in the order they arrived. */
    eventsOf: (orderId: number) =>
      received.filter(({ event }) => event.subject === String(orderId)).map(({ event }) => event),
    /** Waits until `count` events arrived for `orderId` (or fails after `timeoutMs`). */
    async waitForEvents(orderId: number, count: number, timeoutMs = 10_000) {
      await expect
        .poll(() => received.filter(({ event }) => event.subject === String(orderId)).length, {
          timeout: timeoutMs,
        })
        .toBeGreaterThanOrEqual(count);
    },
    async close() {
      await channel.deleteExchange(exchange).catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

export type EventConsumer = Awaited<ReturnType<typeof consumeEvents>>;

/**
 * Closes, from the broker's side, every connection whose client-given name contains `fragment`
 * (`rabbitmqctl close_connection`, as an operator or a broker restart would), and answers how many.
 * The service names its connection `order-service <exchange> <host>:<pid>`, so a test's unique
 * exchange picks out its own service's connections on the shared broker.
 */
export async function closeBrokerConnections(fragment: string, reason: string): Promise<number> {
  const listed = await runCommand('rabbitmqctl', [
    'list_connections',
    '-q',
    '--no-table-headers',
    'pid',
    'client_properties',
  ]);
  if (listed.code !== 0) throw new Error(`rabbitmqctl list_connections failed:\n${listed.output}`);
  const pids = listed.stdout
    .split('\n')
    .filter((line) => line.includes(fragment))
    .map((line) => line.split('\t')[0] ?? '')
    .filter((pid) => pid.startsWith('<'));
  for (const pid of pids) {
    const closed = await runCommand('rabbitmqctl', ['close_connection', pid, reason]);
    if (closed.code !== 0)
      throw new Error(`rabbitmqctl close_connection failed:\n${closed.output}`);
  }
  return pids.length;
}

/**
 * Service processes publishing order events to an exchange of this file's own, and a consumer
 * bound to it before any of them starts, so every event published reaches it. Read `consumer`
 * inside a test (it is connected in beforeAll).
 */
export function useEventCluster(name: string): {
  exchange: string;
  cluster: ProcessCluster;
  readonly consumer: EventConsumer;
} {
  const exchange = testExchange(name);
  const cluster = useProcessCluster({
    EVENTS_BROKER_URL: brokerUrl,
    EVENTS_EXCHANGE: exchange,
    RATE_LIMIT_ORDERS_PER_MINUTE: '100000',
  });
  let consumer: EventConsumer | undefined;
  beforeAll(async () => {
    consumer = await consumeEvents(exchange);
  });
  afterAll(async () => {
    await consumer?.close();
  });
  return {
    exchange,
    cluster,
    get consumer() {
      if (consumer === undefined) throw new Error('the consumer connects in beforeAll');
      return consumer;
    },
  };
}
