import client from 'prom-client';

/** Unfinished sagas of one kind at one step (`decrease-stock`, not `decrease-stock:42`). */
export type UnfinishedSagaCount = {
  kind: string;
  step: string;
  inFlight: number;
  stuck: number;
  needsAttention: number;
};

export type OutboxBacklog = { undelivered: number; oldestAgeSeconds: number };
export type OrderEventBacklog = { unpublished: number; oldestAgeSeconds: number };

/**
 * Where the gauges read at scrape time come from. The saga and outbox queries read the shared
 * database, so every replica reports the same values: aggregate them with `max`, not `sum`.
 */
export type StateSources = {
  unfinishedSagas(): Promise<readonly UnfinishedSagaCount[]>;
  outboxBacklog(): Promise<OutboxBacklog>;
  /** Undefined without a broker (EVENTS_BROKER_URL unset): then no order-event gauges. */
  orderEventBacklog?: (() => Promise<OrderEventBacklog>) | undefined;
  pool(): { total: number; idle: number; waiting: number };
};

/** A scrape must answer even when the database does not: the state queries give up after this. */
const stateQueryTimeoutMs = 2000;

/**
 * The gauges read at scrape time (pool, unfinished sagas, outbox backlog) and the counter of
 * their failures. Call it after every other metric is registered: the failure counter must be
 * registered last (see below).
 */
export function createStateMetrics(registry: client.Registry, sources: StateSources | undefined) {
  const registers = [registry];
  const collectFailures = new client.Counter({
    name: 'metrics_collect_failures_total',
    help: 'Scrape-time state queries that failed or timed out (their gauges then absent or NaN)',
    labelNames: ['source'] as const,
    // Registered last (below): its collect waits for this scrape's state queries, so their
    // failures show in the same scrape, and must not start them before the pool is read.
    registers: [],
    async collect() {
      await Promise.allSettled([
        sagaCounts(),
        outbox(),
        ...(events === undefined ? [] : [events()]),
      ]);
    },
  });
  /** One query per scrape, shared by the gauges it feeds; a failure is counted once. */
  const stateQuery = <T>(source: string, query: () => Promise<T>) => {
    collectFailures.inc({ source }, 0);
    return sharedWhileRunning(() =>
      withTimeout(query(), stateQueryTimeoutMs).catch((error: unknown) => {
        collectFailures.inc({ source });
        throw error;
      }),
    );
  };
  const sagaCounts = stateQuery('sagas', () => sources?.unfinishedSagas() ?? Promise.resolve([]));
  const outbox = stateQuery(
    'outbox',
    () => sources?.outboxBacklog() ?? Promise.resolve({ undelivered: 0, oldestAgeSeconds: 0 }),
  );
  const readEvents = sources?.orderEventBacklog;
  const events = readEvents === undefined ? undefined : stateQuery('order_events', readEvents);
  /**
   * Hands `write` what `read` found, or undefined when it failed (counted by stateQuery): the
   * gauges then say "unknown" — no series, or NaN — never a stale or made-up 0.
   */
  const readState = async <T>(read: () => Promise<T>, write: (value: T | undefined) => void) => {
    write(await read().catch(() => undefined));
  };

  const metrics = {
    // Registered before the state gauges, so a scrape reads the pool before their queries
    // take connections from it.
    poolConnections: new client.Gauge({
      name: 'database_pool_connections',
      help: 'Connections the pool holds open (busy and idle)',
      registers,
      collect() {
        if (sources !== undefined) this.set(sources.pool().total);
      },
    }),
    poolIdle: new client.Gauge({
      name: 'database_pool_idle_connections',
      help: 'Open pool connections not lent out',
      registers,
      collect() {
        if (sources !== undefined) this.set(sources.pool().idle);
      },
    }),
    poolWaiting: new client.Gauge({
      name: 'database_pool_waiting_clients',
      help: 'Queries waiting for a pool connection',
      registers,
      collect() {
        if (sources !== undefined) this.set(sources.pool().waiting);
      },
    }),
    sagasInFlight: new client.Gauge({
      name: 'sagas_in_flight',
      help: 'Unfinished sagas (running or compensating) by kind and step, read at scrape',
      labelNames: ['kind', 'step'] as const,
      registers,
      async collect() {
        await readState(sagaCounts, (rows) => {
          this.reset();
          for (const row of rows ?? []) this.set({ kind: row.kind, step: row.step }, row.inFlight);
        });
      },
    }),
    sagasStuck: new client.Gauge({
      name: 'sagas_stuck',
      help: 'Unfinished sagas with 3+ attempts or due for over a minute, by kind and step',
      labelNames: ['kind', 'step'] as const,
      registers,
      async collect() {
        await readState(sagaCounts, (rows) => {
          this.reset();
          for (const row of rows ?? []) this.set({ kind: row.kind, step: row.step }, row.stuck);
        });
      },
    }),
    sagasNeedsAttention: new client.Gauge({
      name: 'sagas_needs_attention',
      help: 'Parked sagas waiting for an admin retry or resolve, by kind and step, read at scrape',
      labelNames: ['kind', 'step'] as const,
      registers,
      async collect() {
        await readState(sagaCounts, (rows) => {
          this.reset();
          for (const row of rows ?? []) {
            this.set({ kind: row.kind, step: row.step }, row.needsAttention);
          }
        });
      },
    }),
    outboxUndelivered: new client.Gauge({
      name: 'outbox_undelivered_events',
      help: 'Notifications queued in the outbox and not yet delivered, read at scrape',
      registers,
      async collect() {
        await readState(outbox, (backlog) => {
          this.set(backlog?.undelivered ?? NaN);
        });
      },
    }),
    outboxOldestAge: new client.Gauge({
      name: 'outbox_oldest_undelivered_age_seconds',
      help: 'Age of the oldest undelivered outbox event (0 when none), read at scrape',
      registers,
      async collect() {
        await readState(outbox, (backlog) => {
          this.set(backlog?.oldestAgeSeconds ?? NaN);
        });
      },
    }),
  };

  if (events !== undefined) {
    new client.Gauge({
      name: 'order_events_unpublished',
      help: 'Order events written and not yet confirmed by the broker, read at scrape',
      registers,
      async collect() {
        await readState(events, (backlog) => {
          this.set(backlog?.unpublished ?? NaN);
        });
      },
    });
    new client.Gauge({
      name: 'order_events_oldest_unpublished_age_seconds',
      help: 'Age of the oldest order event the broker has not confirmed (0 when none), read at scrape',
      registers,
      async collect() {
        await readState(events, (backlog) => {
          this.set(backlog?.oldestAgeSeconds ?? NaN);
        });
      },
    });
  }
  registry.registerMetric(collectFailures);
  return metrics;
}

/** Callers that arrive while `run` is in flight share its promise (two gauges, one query). */
function sharedWhileRunning<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`state query took over ${ms} ms`));
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
