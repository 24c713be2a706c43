import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { productId } from './ids.js';
import { cents } from './money.js';
import type { OrderItem } from './order.js';
import type { SagaKind, SagaLogEntry } from './order-saga.js';
import { compensationCause, nextAction, stepName } from './order-saga.js';

const items: OrderItem[] = [
  { productId: productId(1), quantity: 2, priceCents: cents(1000) },
  { productId: productId(2), quantity: 1, priceCents: cents(250) },
];

/** What a peer does with one call: answer, apply but lose the answer, or not get it at all. */
type Fate = 'answer' | 'applied-no-answer' | 'lost' | 'refuse';

/**
 * Peers that apply each Idempotency-Key at most once and replay their first answer, like
 * peer-services.md requires; the saga sees only what comes back.
 */
function simulate(kind: SagaKind, fates: Fate[], cancelAt: number, deadlineAt: number) {
  const applied = new Map<string, string>();
  const stock = new Map<number, number>([
    [1, 0],
    [2, 0],
  ]);
  let charged = 0;
  let refunded = 0;
  const log: SagaLogEntry[] = [];
  const paymentId = kind === 'place' ? null : 'pay_1';
  if (kind !== 'place') charged = 1;

  for (let step = 0; step < 400; step += 1) {
    // After a while every peer answers: the invariants are about what happens once it settles.
    const fate: Fate = step < fates.length ? (fates[step] ?? 'answer') : 'answer';
    const { action } = nextAction({
      kind,
      items,
      paymentId,
      isCancelRequested: step >= cancelAt,
      isPastDeadline: step >= deadlineAt,
      log,
    });
    if (action.kind === 'mark-paid' || action.kind === 'finish') {
      return { action, stock, charged, refunded };
    }
    const key =
      action.kind === 'decrease-stock' || action.kind === 'increase-stock'
        ? `${action.kind}:${action.item.productId}`
        : action.kind;
    const stepKey =
      action.kind === 'decrease-stock'
        ? stepName.decreaseStock(action.item.productId)
        : action.kind === 'increase-stock'
          ? stepName.increaseStock(action.item.productId)
          : action.kind;
    log.push({ step: stepKey, phase: 'intent', outcome: null, detail: null });
    if (fate === 'lost') {
      log.push({ step: stepKey, phase: 'outcome', outcome: 'unknown', detail: null });
      continue;
    }
    let answer = applied.get(key);
    if (answer === undefined) {
      switch (action.kind) {
        case 'decrease-stock':
          answer = fate === 'refuse' ? 'insufficient' : 'changed';
          if (answer === 'changed') {
            stock.set(
              action.item.productId,
              (stock.get(action.item.productId) ?? 0) - action.item.quantity,
            );
          }
          break;
        case 'increase-stock':
          answer = 'changed';
          stock.set(
            action.item.productId,
            (stock.get(action.item.productId) ?? 0) + action.item.quantity,
          );
          break;
        case 'charge':
          answer = fate === 'refuse' ? 'declined' : 'charged';
          if (answer === 'charged') charged += 1;
          break;
        case 'refund':
          answer = 'refunded';
          refunded += 1;
          break;
      }
      applied.set(key, answer);
    }
    const outcome = fate === 'applied-no-answer' ? 'unknown' : answer;
    log.push({
      step: stepKey,
      phase: 'outcome',
      outcome,
      detail: outcome === 'charged' ? { paymentId: 'pay_1' } : null,
    });
  }
  throw new Error('the saga did not settle');
}

const fates = fc.array(fc.constantFrom<Fate>('answer', 'applied-no-answer', 'lost', 'refuse'), {
  maxLength: 40,
});
const never = 1_000;

describe('order saga plan', () => {
  it('ends paid with stock taken once and one charge, or undone with nothing taken', () => {
    fc.assert(
      fc.property(
        fates,
        fc.integer({ min: 0, max: never }),
        fc.integer({ min: 0, max: never }),
        (f, cancelAt, deadlineAt) => {
          const end = simulate('place', f, cancelAt, deadlineAt);

          if (end.action.kind === 'mark-paid') {
            expect([...end.stock.values()]).toEqual([-2, -1]);
            expect(end.charged - end.refunded).toBe(1);
            expect(end.charged).toBe(1);
          } else {
            expect([...end.stock.values()]).toEqual([0, 0]);
            expect(end.charged - end.refunded).toBe(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never charges twice for one order', () => {
    fc.assert(
      fc.property(fates, fc.integer({ min: 0, max: never }), (f, cancelAt) => {
        expect(simulate('place', f, cancelAt, never).charged).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('ends cancelled when a cancel is requested before the order is paid', () => {
    const end = simulate('place', [], 0, never);

    expect(end.action).toMatchObject({ kind: 'finish', status: 'cancelled' });
    expect(end.charged).toBe(0);
  });

  it('fails with the refused products when stock runs short', () => {
    const end = simulate('place', ['refuse'], never, never);

    expect(end.action).toMatchObject({
      kind: 'finish',
      status: 'failed',
      cause: 'insufficient-stock',
      productIds: [1],
    });
  });

  it('fails as declined and restores all stock when the card is declined', () => {
    const end = simulate('place', ['answer', 'answer', 'refuse'], never, never);

    expect(end.action).toMatchObject({
      kind: 'finish',
      status: 'failed',
      cause: 'payment-declined',
    });
    expect([...end.stock.values()]).toEqual([0, 0]);
  });

  it('refunds what the peer took, restocks and fails when a charge took another amount', () => {
    const log: SagaLogEntry[] = [
      ...items.flatMap((item): SagaLogEntry[] => [
        {
          step: stepName.decreaseStock(item.productId),
          phase: 'outcome',
          outcome: 'changed',
          detail: null,
        },
      ]),
      {
        step: stepName.charge,
        phase: 'outcome',
        outcome: 'wrong-amount',
        detail: { paymentId: 'pay_9', chargedAmount: '199.90' },
      },
    ];
    const situation = {
      kind: 'place' as const,
      items,
      paymentId: null,
      isCancelRequested: true,
      isPastDeadline: false,
      log,
    };
    const actions = [];
    for (let step = 0; step < 10; step += 1) {
      const { action, isCompensating } = nextAction(situation);
      expect(isCompensating).toBe(true);
      actions.push(action);
      if (action.kind === 'finish') break;
      const stepKey =
        action.kind === 'increase-stock'
          ? stepName.increaseStock(action.item.productId)
          : action.kind;
      const outcome = action.kind === 'refund' ? 'refunded' : 'changed';
      log.push({ step: stepKey, phase: 'outcome', outcome, detail: null });
    }

    expect(actions).toEqual([
      { kind: 'increase-stock', item: items[0] },
      { kind: 'increase-stock', item: items[1] },
      { kind: 'refund', paymentId: 'pay_9', amountCents: 19990 },
      { kind: 'finish', status: 'failed', cause: 'payment-amount-mismatch', productIds: [] },
    ]);
    expect(compensationCause(situation)).toBe('payment-amount-mismatch');
  });

  it('refunds and restocks everything when a paid order is cancelled or failed', () => {
    fc.assert(
      fc.property(fc.constantFrom<SagaKind>('cancel', 'fail'), fates, (kind, f) => {
        const end = simulate(
          kind,
          f.filter((fate) => fate !== 'refuse'),
          never,
          never,
        );

        expect(end.action).toMatchObject({
          kind: 'finish',
          status: kind === 'cancel' ? 'cancelled' : 'failed',
        });
        expect(end.refunded).toBe(1);
        expect([...end.stock.values()]).toEqual([2, 1]);
      }),
    );
  });

  it('names a compensation cause exactly when the saga compensates', () => {
    const entry = fc.record({
      step: fc.constantFrom(
        stepName.decreaseStock(productId(1)),
        stepName.decreaseStock(productId(2)),
        stepName.charge,
        stepName.refund,
      ),
      phase: fc.constantFrom('intent' as const, 'outcome' as const),
      outcome: fc.constantFrom('changed', 'insufficient', 'not-found', 'unknown', 'declined'),
      detail: fc.constant(null),
    });
    fc.assert(
      fc.property(
        fc.constantFrom<SagaKind>('place', 'cancel', 'fail'),
        fc.array(entry, { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        (kind, log, isCancelRequested, isPastDeadline) => {
          const situation = {
            kind,
            items,
            paymentId: kind === 'place' ? null : 'pay_1',
            isCancelRequested,
            isPastDeadline,
            log,
          };

          const cause = compensationCause(situation);

          expect(cause !== undefined).toBe(nextAction(situation).isCompensating);
        },
      ),
    );
  });
});
