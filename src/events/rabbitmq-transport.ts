import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import type { BrokerMessage, EventTransport } from './event-transport.js';

export type RabbitMqOptions = {
  /** amqp://user:password@host:5672/vhost */
  url: string;
  /** A durable topic exchange, declared if missing; messages are routed by their event type. */
  exchange: string;
  /** Shown by `rabbitmqctl list_connections client_properties` and the management UI. */
  connectionName: string;
  /** A broker that takes longer than this to confirm a batch counts as unreachable. */
  confirmTimeoutMs: number;
  logger: Logger;
};

/**
 * RabbitMQ over AMQP 0-9-1 (amqplib): one connection and one confirm channel, opened on first use
 * and again after the broker closes them; persistent messages on a durable topic exchange;
 * a batch counts as published only once the broker confirmed each message.
 */
export function createRabbitMqTransport(options: RabbitMqOptions): EventTransport {
  let opening: Promise<{ connection: ChannelModel; channel: ConfirmChannel }> | undefined;

  function open() {
    opening ??= connect().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  }

  async function connect() {
    const connection = await amqp.connect(options.url, {
      clientProperties: { connection_name: options.connectionName },
      timeout: options.confirmTimeoutMs,
    });
    const forget = () => {
      opening = undefined;
    };
    connection.on('error', (error: Error) => {
      options.logger.warn('order events: broker connection failed', { error: error.message });
    });
    connection.on('close', forget);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', (error: Error) => {
        options.logger.warn('order events: broker channel failed', { error: error.message });
      });
      channel.on('close', () => {
        forget();
        void connection.close().catch(() => undefined);
      });
      await channel.assertExchange(options.exchange, 'topic', { durable: true });
      options.logger.info('order events: connected to the broker', {
        exchange: options.exchange,
      });
      return { connection, channel };
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  async function publish(messages: readonly BrokerMessage[]): Promise<ReadonlySet<string>> {
    const { connection, channel } = await open();
    const channelState = { isLost: false };
    const lost = () => {
      channelState.isLost = true;
    };
    channel.once('close', lost);
    try {
      const answers = messages.map(
        (message) =>
          new Promise<string>((resolve, reject) => {
            channel.publish(
              options.exchange,
              message.type,
              message.body,
              {
                persistent: true,
                messageId: message.id,
                type: message.type,
                contentType: 'application/cloudevents+json',
                timestamp: Math.floor(message.time.getTime() / 1000),
              },
              (error: unknown) => {
                if (error === null || error === undefined) resolve(message.id);
                else
                  reject(
                    error instanceof Error ? error : new Error('not confirmed', { cause: error }),
                  );
              },
            );
          }),
      );
      const settled = await withTimeout(Promise.allSettled(answers), options.confirmTimeoutMs);
      if (settled === 'timeout') {
        // A broker that neither confirms nor fails: forget the connection and start afresh next
        // time. Not awaited: a silent broker may never answer the close either (amqplib then
        // drops the socket when heartbeats stop), and the relay must not stall on it.
        opening = undefined;
        void connection.close().catch(() => undefined);
        throw new Error(`the broker confirmed nothing within ${options.confirmTimeoutMs} ms`);
      }
      if (channelState.isLost) throw new Error('the broker connection closed before it confirmed');
      // A nack is the broker refusing that message; any other failure (a channel that closed
      // before the publish) means it never got there.
      const unsent = settled.find(
        (answer) => answer.status === 'rejected' && !isNack(answer.reason),
      );
      if (unsent?.status === 'rejected') throw unsent.reason;
      return new Set(
        settled.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : [])),
      );
    } finally {
      channel.off('close', lost);
    }
  }

  return {
    publish,
    async close() {
      const open = opening;
      opening = undefined;
      if (open === undefined) return;
      const { connection } = await open.catch(() => ({ connection: undefined }));
      await connection?.close().catch(() => undefined);
    },
  };
}

const isNack = (error: unknown): boolean =>
  error instanceof Error && error.message === 'message nacked';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
