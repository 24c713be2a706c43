/**
 * The service+events row (issue 15): the service with EVENTS_BROKER_URL set, publishing order
 * events to RabbitMQ while creates run. Around it, in this process: a consumer as a shop's
 * service would be (a non-durable exclusive queue of its own bound to every routing key of the
 * run's exchange, each message acknowledged), so the broker routes and stores what it confirms
 * instead of dropping it; and the relay's lag, the age of the oldest unpublished event, read
 * from the table with the query behind the order_events_oldest_unpublished_age_seconds gauge.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import pg from 'pg';
import { readOrderEventBacklog } from '../src/db/order-event-repository.js';
import type { Measurement } from './bench-report.js';
import { percentile } from './bench-stats.js';
import { processCpuMs } from './resource-usage.js';

/** The machine's RabbitMQ unless BENCH_AMQP_URL says otherwise. */
const brokerUrl = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** One exchange per bench run, so two runs on one broker never see each other's events. */
const exchange = `orders-bench-${randomUUID()}`;

export const eventsEnv = { EVENTS_BROKER_URL: brokerUrl, EVENTS_EXCHANGE: exchange };

/** How often the lag is sampled during the measured run. */
const lagSampleMs = 250;
/** How long the backlog may take to empty after the load stops before the row is flagged. */
const drainDeadlineMs = 30_000;

/**
 * CPU the broker has used so far (user + system, ms): the RabbitMQ node (beam.smp) of this
 * machine, when there is one. It serves whoever else uses it too, so the off row reads it as
 * well: the difference between the rows is the events' share.
 */
export async function brokerCpuMs(): Promise<number | undefined> {
  brokerPid ??= await findBrokerPid();
  return brokerPid === undefined ? undefined : processCpuMs(brokerPid);
}
let brokerPid: number | undefined;

async function findBrokerPid(): Promise<number | undefined> {
  const host = new URL(brokerUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') return undefined;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const name = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (name.trim() === 'beam.smp') return Number(entry);
  }
  return undefined;
}

export type EventConsumer = {
  /** Messages received (and acknowledged) so far. */
  received(): number;
  /** Deletes the exchange (and so the queue's binding) and disconnects. */
  close(): Promise<void>;
};

/** Declares the run's exchange as the service does (durable topic) and consumes all of it. */
export async function startEventConsumer(): Promise<EventConsumer> {
  const connection = await amqp.connect(brokerUrl).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `service+events needs RabbitMQ (BENCH_AMQP_URL, ${new URL(brokerUrl).host}): ${reason}`,
    );
  });
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', {
    durable: false,
    exclusive: true,
    autoDelete: true,
  });
  await channel.bindQueue(queue, exchange, '#');
  await channel.prefetch(500);
  let received = 0;
  await channel.consume(queue, (message) => {
    if (message === null) return;
    received += 1;
    channel.ack(message);
  });
  return {
    received: () => received,
    async close() {
      await channel.deleteExchange(exchange).catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

export type EventLag = {
  samples: number;
  p95Seconds: number;
  maxSeconds: number;
  /** The most unpublished events seen at once. */
  backlogMax: number;
};

/** Reads the backlog every `lagSampleMs` until stopped, on a connection of its own. */
export function sampleEventLag(databaseUrl: string): { stop(): Promise<EventLag> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const ages: number[] = [];
  let backlogMax = 0;
  const stopping = new AbortController();
  const sampling = (async () => {
    try {
      for (let next = Date.now(); !stopping.signal.aborted; next += lagSampleMs) {
        const backlog = await readOrderEventBacklog(pool);
        ages.push(backlog.oldestAgeSeconds);
        backlogMax = Math.max(backlogMax, backlog.unpublished);
        await sleep(Math.max(0, next + lagSampleMs - Date.now()));
      }
    } finally {
      await pool.end();
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await sampling;
      return {
        samples: ages.length,
        p95Seconds: percentile(ages, 0.95),
        maxSeconds: Math.max(0, ...ages),
        backlogMax,
      };
    },
  };
}

/**
 * Waits until no event is unpublished, or `drainDeadlineMs` passed; answers how long it took and
 * how many were still unpublished then (0 when it drained).
 */
export async function waitForDrain(
  databaseUrl: string,
): Promise<{ seconds: number; unpublished: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const started = Date.now();
  try {
    for (;;) {
      const { unpublished } = await readOrderEventBacklog(pool);
      const seconds = (Date.now() - started) / 1000;
      if (unpublished === 0 || Date.now() - started >= drainDeadlineMs) {
        return { seconds, unpublished };
      }
      await sleep(100);
    }
  } finally {
    await pool.end();
  }
}

/** Waits (up to 5 s) until the consumer has received `count` messages; answers how many it has. */
async function waitForConsumer(consumer: EventConsumer, count: number): Promise<number> {
  const deadline = Date.now() + 5000;
  while (consumer.received() < count && Date.now() < deadline) await sleep(100);
  return consumer.received();
}

/**
 * Flags the events row when the relay did not keep up with it: no lag samples, events still
 * unpublished at the deadline, or fewer messages at the consumer than the broker confirmed (all
 * since the service started: `published`).
 */
export async function checkEvents(
  measurement: Measurement,
  run: {
    lag: EventLag;
    drain: { unpublished: number };
    consumer: EventConsumer;
    published: number;
  },
): Promise<void> {
  if (run.lag.samples === 0) measurement.unexpected['no event lag samples'] = 1;
  if (run.drain.unpublished > 0) {
    measurement.unexpected[`events unpublished after ${String(drainDeadlineMs / 1000)} s`] =
      run.drain.unpublished;
  }
  const { published } = run;
  const received = await waitForConsumer(run.consumer, published);
  if (published === 0 || received < published) {
    measurement.unexpected['events not at the consumer'] = published - received;
  }
}
