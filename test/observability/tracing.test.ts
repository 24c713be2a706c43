import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../support/span-tree.js';
import { childrenOf, fromReadableSpans, isDescendantOf, printTree } from '../support/span-tree.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';
import { recordSpans } from '../support/tracing-setup.js';

// In-process: test/support/tracing-setup.ts (a vitest setup file) started the SDK in this worker,
// with an in-memory exporter, before this file imported express, pg and the service.
const env = useTestService();

type Recording = ReturnType<typeof recordSpans>;
type SandboxCall = { traceparent?: string };

/** pg spans are CLIENT spans too; peer calls carry `peer.service`. */
const isPeerCall = (span: SpanRecord) =>
  span.kind === 'client' && span.attributes['peer.service'] !== undefined;

const traceparentOf = (span: { traceId: string; spanId: string }) =>
  `00-${span.traceId}-${span.spanId}-01`;

function only(spans: SpanRecord[], predicate: (span: SpanRecord) => boolean): SpanRecord {
  const found = spans.filter(predicate);
  expect(found.map((span) => span.name)).toHaveLength(1);
  return found[0]!;
}

/** The span that served `POST /api/orders` for `orderId`: its trace holds the order's steps. */
function serverSpanOf(spans: SpanRecord[], orderId: number): SpanRecord | undefined {
  const traceIds = new Set(
    spans.filter((span) => span.attributes['order.id'] === orderId).map((span) => span.traceId),
  );
  return spans.find(
    (span) =>
      span.kind === 'server' && span.name === 'POST /api/orders' && traceIds.has(span.traceId),
  );
}

/** Every span ended so far, once one matches `predicate` (spans end after the response). */
async function spansWhen(
  recording: Recording,
  predicate: (spans: SpanRecord[]) => boolean,
): Promise<SpanRecord[]> {
  await expect
    .poll(() => predicate(fromReadableSpans(recording.spans())), { timeout: 15_000 })
    .toBe(true);
  return fromReadableSpans(recording.spans());
}

async function placeOrder() {
  const user = await newUser();
  const product = await env.peers.createProduct({ price: '4.00', stock: 3 });
  const placed = await env
    .api(user.token)
    .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));
  return { status: placed.status, orderId: placed.body.id as number };
}

describe('tracing one order (in-memory exporter)', () => {
  it('makes one tree: HTTP server span → saga steps → peer client spans → pg spans', async () => {
    const recording = recordSpans();

    const { status, orderId } = await placeOrder();

    expect(status).toBe(201);
    const all = await spansWhen(recording, (spans) => serverSpanOf(spans, orderId) !== undefined);
    const server = serverSpanOf(all, orderId)!;
    expect(server.parentSpanId).toBeUndefined();
    const trace = all.filter((span) => span.traceId === server.traceId);
    const steps = trace.filter((span) => span.name.startsWith('saga '));
    expect(steps.map((step) => [step.name, step.attributes['saga.outcome']])).toEqual([
      ['saga decrease-stock', 'changed'],
      ['saga charge', 'charged'],
      ['saga mark-paid', 'paid'],
    ]);
    for (const step of steps) {
      expect(isDescendantOf(trace, step, server)).toBe(true);
      expect(step.attributes).toMatchObject({
        'order.id': orderId,
        'saga.id': expect.any(Number),
        'saga.kind': 'place',
        'saga.attempt': 1,
        'saga.compensating': false,
      });
    }
    // Issue 12: nothing is written between the stored order and mark-paid; only the last step
    // touches the database (one statement that marks it paid with the steps' outcomes).
    const writesOf = (step: SpanRecord) =>
      childrenOf(trace, step).filter((child) => child.name.startsWith('pg.query'));
    expect(steps.map((step) => writesOf(step).map((child) => child.name))).toEqual([
      [],
      [],
      [expect.stringMatching(/^pg\.query:transition-order /)],
    ]);
    const [decrease, charge] = steps;
    const decreaseCall = only(childrenOf(trace, decrease!), isPeerCall);
    const chargeCall = only(childrenOf(trace, charge!), isPeerCall);
    expect(decreaseCall).toMatchObject({
      name: 'product decreaseStock',
      isError: false,
      attributes: {
        'peer.service': 'product',
        'peer.operation': 'decreaseStock',
        'peer.attempt': 1,
        'peer.outcome': '200',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
      },
    });
    expect(chargeCall).toMatchObject({
      name: 'payment charge',
      attributes: { 'peer.service': 'payment', 'peer.operation': 'charge', 'peer.attempt': 1 },
    });
    const [decreaseSeen] = (await env.peers.requests('decreaseStock', orderId)) as SandboxCall[];
    const [chargeSeen] = (await env.peers.requests('charge', orderId)) as SandboxCall[];
    expect(decreaseSeen?.traceparent).toBe(traceparentOf(decreaseCall));
    expect(chargeSeen?.traceparent).toBe(traceparentOf(chargeCall));
    // The order's own rows are written by the request, outside any step, in one named statement
    // (src/db/placement-repository.ts); pg spans of named statements carry the name.
    const requestWrites = trace.filter(
      (span) =>
        span.name.startsWith('pg.query:store-placed-order') &&
        !steps.some((step) => isDescendantOf(trace, span, step)),
    );
    expect(requestWrites).toHaveLength(1);

    // PRINT_TRACE_TREE=1 npx vitest run test/observability/tracing.test.ts
    if (process.env.PRINT_TRACE_TREE === '1') {
      process.stdout.write(`\n${printTree(trace, server).join('\n')}\n`);
    }
  });

  it('records each peer attempt as a CLIENT span, an unanswered one as an error', async () => {
    await env.peers.fault({ operation: 'charge', mode: 'error', status: 503, count: 1 });
    const recording = recordSpans();

    const { status, orderId } = await placeOrder();

    expect(status).toBe(201);
    const all = await spansWhen(recording, (spans) => serverSpanOf(spans, orderId) !== undefined);
    const server = serverSpanOf(all, orderId)!;
    const charge = only(
      all,
      (span) => span.traceId === server.traceId && span.name === 'saga charge',
    );
    const attempts = childrenOf(all, charge).filter(isPeerCall);
    expect(attempts.map((span) => [span.attributes['peer.attempt'], span.isError])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(attempts[0]?.attributes).toMatchObject({
      'http.response.status_code': 503,
      'peer.outcome': '503',
      'error.type': '503',
    });
    const seen = (await env.peers.requests('charge', orderId)) as SandboxCall[];
    expect(seen.map((call) => call.traceparent)).toEqual(attempts.map(traceparentOf));
  });
});

describe('tracing background work', () => {
  it('delivers each notification in a new trace, linked to the span that queued it', async () => {
    const recording = recordSpans();

    const { orderId } = await placeOrder();

    const isDelivery = (span: SpanRecord) =>
      span.name === 'outbox deliver' && span.attributes['order.id'] === orderId;
    const all = await spansWhen(
      recording,
      (spans) =>
        spans.filter(isDelivery).length === 2 && serverSpanOf(spans, orderId) !== undefined,
    );
    const server = serverSpanOf(all, orderId)!;
    const { rows } = await env.service.pool.query<{ type: string; traceparent: string }>(
      'select type, traceparent from outbox where order_id = $1 order by id',
      [orderId],
    );
    expect(rows.map((row) => row.type)).toEqual(['order.created', 'order.paid']);
    for (const row of rows) {
      const delivery = only(
        all,
        (span) => isDelivery(span) && span.attributes['outbox.type'] === row.type,
      );
      expect(delivery.parentSpanId).toBeUndefined();
      expect(delivery.traceId).not.toBe(server.traceId);
      expect(delivery.links).toHaveLength(1);
      expect(delivery.links[0]?.traceId).toBe(server.traceId);
      expect(traceparentOf(delivery.links[0]!)).toBe(row.traceparent);
      expect(childrenOf(all, delivery).map((span) => span.name)).toContain('notification notify');
    }
  });

  it('recovers a saga in a new trace, linked to the request that created it', async () => {
    // Every try of the first charge fails: the order answers 202 and recovery finishes it.
    await env.peers.fault({ operation: 'charge', mode: 'error', status: 503, count: 3 });
    const recording = recordSpans();

    const { status, orderId } = await placeOrder();

    expect(status).toBe(202);
    const isRecovery = (span: SpanRecord) =>
      span.name === 'saga recover' && span.attributes['order.id'] === orderId;
    const all = await spansWhen(
      recording,
      (spans) => spans.some(isRecovery) && serverSpanOf(spans, orderId) !== undefined,
    );
    const recovery = only(all, isRecovery);
    const server = serverSpanOf(all, orderId)!;
    const { rows } = await env.service.pool.query<{ traceparent: string }>(
      'select traceparent from sagas where order_id = $1',
      [orderId],
    );
    expect(recovery.parentSpanId).toBeUndefined();
    expect(recovery.traceId).not.toBe(server.traceId);
    expect(recovery.links).toHaveLength(1);
    expect(recovery.links[0]?.traceId).toBe(server.traceId);
    expect(traceparentOf(recovery.links[0]!)).toBe(rows[0]?.traceparent);
    expect(recovery.attributes).toMatchObject({
      'saga.kind': 'place',
      'saga.attempt': 2,
      'saga.outcome': 'paid',
    });
    const steps = childrenOf(all, recovery)
      .filter((span) => span.name.startsWith('saga '))
      .map((span) => [span.name, span.attributes['saga.attempt']]);
    expect(steps).toEqual([
      ['saga charge', 2],
      ['saga mark-paid', 2],
    ]);
  });
});
