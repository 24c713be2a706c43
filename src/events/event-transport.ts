/**
 * A message broker the order events go to. RabbitMQ is the one there is
 * (rabbitmq-transport.ts); NATS JetStream or Kafka would be another implementation of this, and
 * the relay (order-event-relay.ts) would not change.
 */
export type EventTransport = {
  /**
   * Publishes the messages and waits for the broker to take responsibility for them (publisher
   * confirms). Resolves with the ids confirmed; the rest were refused by the broker. Rejects when
   * the broker cannot be reached: then none of them is known to be published.
   */
  publish(messages: readonly BrokerMessage[]): Promise<ReadonlySet<string>>;
  close(): Promise<void>;
};

export type BrokerMessage = {
  /** The CloudEvents id. */
  id: string;
  /** The CloudEvents type; RabbitMQ routes by it. */
  type: string;
  /** application/cloudevents+json */
  body: Buffer;
  /** When the event happened (AMQP `timestamp`, seconds). */
  time: Date;
};
