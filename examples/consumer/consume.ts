import amqp from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { z } from 'zod';

/** The members of the CloudEvent this consumer reads; the rest: docs/asyncapi.yaml. */
const orderEvent = z.looseObject({
  id: z.string(),
  type: z.string(),
  subject: z.string(),
  time: z.string(),
  data: z.looseObject({ status: z.string(), previousStatus: z.string().nullable() }),
});
export type OrderEvent = z.infer<typeof orderEvent>;

export type ConsumerOptions = {
  /** amqp://user:password@host:5672/vhost */
  url: string;
  /** The service's EVENTS_EXCHANGE. */
  exchange: string;
  /** A named queue is durable and keeps events while you are away; none: a private one. */
  queue?: string | undefined;
  /** Routing key pattern: `#` for all, `com.example.order.paid`, `com.example.order.*`. */
  pattern: string;
  /** How many handled ids to remember for dropping duplicates. */
  rememberedIds?: number;
  onEvent: (event: OrderEvent) => Promise<void> | void;
  onDuplicate?: (event: OrderEvent) => void;
  /** The handler threw, or the body is not an order event. */
  onError?: (error: unknown, message: ConsumeMessage) => void;
};

/**
 * Consumes the order events: each handled once, one at a time, acknowledged after its handler
 * returned. Resolves once the queue is bound; `close()` stops.
 */
export async function consumeOrderEvents(options: ConsumerOptions) {
  const connection = await amqp.connect(options.url);
  const channel = await connection.createChannel();
  // Declared as the service declares it, so starting before the service loses nothing.
  await channel.assertExchange(options.exchange, 'topic', { durable: true });
  const { queue } =
    options.queue === undefined
      ? await channel.assertQueue('', { exclusive: true })
      : await channel.assertQueue(options.queue, { durable: true });
  await channel.bindQueue(queue, options.exchange, options.pattern);
  // One unacknowledged message at a time keeps each order's events in the order they came.
  await channel.prefetch(1);

  // The service publishes at least once, and a redelivery after a crash repeats too: drop an id
  // already handled. A real consumer stores handled ids with its own writes, in one transaction,
  // so they outlive a restart; this bounded Set forgets the oldest past `rememberedIds`.
  const handled = new Set<string>();
  const limit = options.rememberedIds ?? 10_000;

  async function handle(message: ConsumeMessage) {
    const event = orderEvent.parse(JSON.parse(message.content.toString('utf8')));
    if (handled.has(event.id)) {
      options.onDuplicate?.(event);
    } else {
      await options.onEvent(event);
      handled.add(event.id);
      if (handled.size > limit) handled.delete(handled.values().next().value ?? '');
    }
    channel.ack(message);
  }

  await channel.consume(queue, (message) => {
    if (message === null) return; // the queue was deleted
    handle(message).catch((error: unknown) => {
      options.onError?.(error, message);
      // Tried again once; then it goes to the queue's dead-letter exchange, if it has one.
      channel.nack(message, false, !message.fields.redelivered);
    });
  });

  return {
    queue,
    async close() {
      await connection.close();
    },
  };
}
