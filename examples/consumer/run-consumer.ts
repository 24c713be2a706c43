// Prints the order events as they arrive, one line each, until Ctrl-C:
//   npx tsx examples/consumer/run-consumer.ts
// EVENTS_BROKER_URL (amqp://guest:guest@127.0.0.1:5672), EVENTS_EXCHANGE (orders) as the
// service's; EVENTS_QUEUE names a durable queue of yours (default: a private one, gone on exit);
// EVENTS_PATTERN is the routing key pattern (#, or e.g. com.example.order.paid).
import { consumeOrderEvents } from './consume.js';

const {
  EVENTS_BROKER_URL: url = 'amqp://guest:guest@127.0.0.1:5672',
  EVENTS_EXCHANGE: exchange = 'orders',
  EVENTS_QUEUE: queue,
  EVENTS_PATTERN: pattern = '#',
} = process.env;

const consumer = await consumeOrderEvents({
  url,
  exchange,
  queue,
  pattern,
  onEvent: (event) => {
    console.log(`${event.type} order ${event.subject} ${event.data.status} id ${event.id}`);
  },
  onDuplicate: (event) => {
    console.log(`duplicate ${event.type} order ${event.subject} id ${event.id}: dropped`);
  },
  onError: (error, message) => {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(
      `${message.fields.routingKey} not handled (${reason}): requeued once, then dead-lettered or dropped`,
    );
  },
});
console.log(`consuming ${pattern} from exchange ${exchange} through queue ${consumer.queue}`);
process.once('SIGINT', () => {
  void consumer.close();
});
