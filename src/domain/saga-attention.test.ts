import { describe, expect, it } from 'vitest';
import { productId } from './ids.js';
import { cents } from './money.js';
import type { OrderItem } from './order.js';
import type { SagaSituation } from './order-saga.js';
import { nextAction } from './order-saga.js';
import { entriesFor } from './saga-attention.js';
import type { PeerStepEntry, SagaLogEntry } from './saga-log.js';
import { knowledgeOf } from './saga-log.js';

// Issue 13, point 2: a refusal no retry fixes parks the saga; an admin's retry sends the refused
// step again, a resolve settles it by hand.
const items: OrderItem[] = [
  { productId: productId(1), quantity: 2, priceCents: cents(1000) },
  { productId: productId(2), quantity: 1, priceCents: cents(250) },
];
const [mug] = items as [OrderItem, OrderItem];

const situation = (log: SagaLogEntry[], more: Partial<SagaSituation> = {}): SagaSituation => ({
  kind: 'place',
  items,
  totalCents: cents(2250),
  paymentId: null,
  requestedBy: { actor: 'user:7', reason: null },
  cancelRequest: null,
  isPastDeadline: false,
  isLogComplete: true,
  log,
  ...more,
});

const taken: PeerStepEntry = { step: 'decrease-stock', items: { 1: 'changed', 2: 'changed' } };
const refusedCharge: PeerStepEntry = { step: 'charge', outcome: 'rejected', status: 403 };
const admin = { actor: 'admin:1', reason: 'fixed the key' } as const;

describe('parking: a refused step stops the saga', () => {
  it.each<[string, SagaSituation, string]>([
    ['a refused charge', situation([taken, refusedCharge]), 'charge'],
    [
      'a refused decrease, even with a cancel waiting',
      situation([{ step: 'decrease-stock', items: { 1: 'changed', 2: 'rejected' }, status: 422 }], {
        cancelRequest: { actor: 'user:7', reason: null },
      }),
      'decrease-stock',
    ],
    [
      'a refused refund of a cancel',
      situation([{ step: 'refund', outcome: 'rejected', status: 400 }], {
        kind: 'cancel',
        paymentId: 'pay_1',
      }),
      'refund',
    ],
    [
      'a refused restock past the deadline',
      situation(
        [
          { step: 'decrease-stock', items: { 1: 'changed', 2: 'insufficient' } },
          { step: 'increase-stock', items: { 1: 'rejected' }, status: 401 },
        ],
        { isPastDeadline: true },
      ),
      'increase-stock',
    ],
  ])('%s parks at that step', (_, given, step) => {
    const { action } = nextAction(given);

    expect(action).toMatchObject({ kind: 'park', step });
  });

  it('names the peer, operation and status of the refusal', () => {
    expect(nextAction(situation([taken, refusedCharge])).action).toEqual({
      kind: 'park',
      step: 'charge',
      answer: { service: 'payment', operation: 'charge', status: 403 },
    });
  });
});

describe("an admin's decision", () => {
  it('retry: the refused step is unknown again, so the plan sends it with its key', () => {
    const log = [taken, refusedCharge];
    const entries = entriesFor(knowledgeOf(log), { action: 'retry', ...admin });

    expect(entries).toEqual([
      { step: 'admin', action: 'retry', ...admin },
      { step: 'charge', outcome: 'unknown' },
    ]);
    expect(nextAction(situation([...log, ...entries])).action).toEqual({ kind: 'charge' });
  });

  it('resolve of a refused charge: not charged, stock restored, the order fails naming the admin', () => {
    const log = [taken, refusedCharge];
    const resolved = [...log, ...entriesFor(knowledgeOf(log), { action: 'resolve', ...admin })];

    const restock = nextAction(situation(resolved));
    const finish = nextAction(
      situation([...resolved, { step: 'increase-stock', items: { 1: 'changed', 2: 'changed' } }]),
    );

    expect(restock).toMatchObject({
      action: { kind: 'increase-stock', items },
      cause: 'peer-refused',
    });
    expect(finish.action).toEqual({
      kind: 'finish',
      status: 'failed',
      sagaState: 'failed',
      actor: 'admin:1',
      reason: 'fixed the key',
      cause: 'peer-refused',
      productIds: [],
    });
  });

  it('resolve of a refused decrease: only the items taken are restocked, the refused one named', () => {
    const log: SagaLogEntry[] = [
      { step: 'decrease-stock', items: { 1: 'changed', 2: 'rejected' }, status: 422 },
    ];
    const entries = entriesFor(knowledgeOf(log), { action: 'resolve', ...admin });
    const resolved = [...log, ...entries];

    expect(entries[1]).toEqual({ step: 'decrease-stock', items: { 2: 'resolved' } });
    expect(nextAction(situation(resolved)).action).toEqual({
      kind: 'increase-stock',
      items: [mug],
    });
    expect(
      nextAction(situation([...resolved, { step: 'increase-stock', items: { 1: 'changed' } }]))
        .action,
    ).toMatchObject({ kind: 'finish', status: 'failed', productIds: [productId(2)] });
  });

  it('resolve of a refused refund: settled by hand, the cancel restocks and ends cancelled', () => {
    const log: SagaLogEntry[] = [{ step: 'refund', outcome: 'rejected', status: 400 }];
    const cancel = { kind: 'cancel', paymentId: 'pay_1' } as const;
    const resolved = [...log, ...entriesFor(knowledgeOf(log), { action: 'resolve', ...admin })];

    expect(nextAction(situation(resolved, cancel)).action).toEqual({
      kind: 'increase-stock',
      items,
    });
    const restocked: SagaLogEntry = {
      step: 'increase-stock',
      items: { 1: 'changed', 2: 'changed' },
    };
    expect(nextAction(situation([...resolved, restocked], cancel)).action).toMatchObject({
      kind: 'finish',
      status: 'cancelled',
      actor: 'user:7',
    });
  });
});
