import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { productId } from './ids.js';
import { cents } from './money.js';
import type { OrderItem } from './order.js';
import type { SagaKind } from './order-saga.js';
import { nextAction } from './order-saga.js';
import type { PeerStepEntry, SagaLogEntry } from './saga-log.js';
import { checkpointAfter } from './saga-log.js';

const items: OrderItem[] = [
  { productId: productId(1), quantity: 2, priceCents: cents(1000) },
  { productId: productId(2), quantity: 1, priceCents: cents(250) },
];
const charged: PeerStepEntry = { step: 'charge', outcome: 'charged', paymentId: 'pay_1' };

/**
 * What happens to one call: answered; applied but the answer lost; never received; refused
 * (short stock, declined card); or applied, then the process dies before recording anything.
 */
type Fate = 'answer' | 'applied-no-answer' | 'lost' | 'refuse' | 'crash';

/**
 * Peers that apply each Idempotency-Key at most once and replay their first answer, as
 * peer-services.md requires, driven by the plan and the runner's checkpoint rule; a crash keeps
 * only what was saved and resumes with an incomplete log.
 */
function simulate(kind: SagaKind, fates: Fate[], cancelAt: number, deadlineAt: number) {
  const answers = new Map<string, string>();
  const stock = new Map<number, number>([
    [1, 0],
    [2, 0],
  ]);
  let charges = kind === 'place' ? 0 : 1;
  let refunds = 0;
  let saved: SagaLogEntry[] = [];
  let log: SagaLogEntry[] = [];
  let isLogComplete = true;
  const peer = (key: string, fate: Fate, apply: () => string): string => {
    if (fate === 'lost') return 'unknown';
    const answer = answers.get(key) ?? apply();
    answers.set(key, answer);
    return fate === 'applied-no-answer' ? 'unknown' : answer;
  };
  for (let step = 0; step < 400; step += 1) {
    // After a while every peer answers: the invariants are about what happens once it settles.
    const fate: Fate = fates[step] ?? 'answer';
    const { action } = nextAction({
      kind,
      items,
      totalCents: cents(2250),
      requestedBy: { actor: 'user:7', reason: null },
      paymentId: kind === 'place' ? null : 'pay_1',
      cancelRequest: step >= cancelAt ? { actor: 'user:7', reason: null } : null,
      isPastDeadline: step >= deadlineAt,
      isLogComplete,
      log,
    });
    if (action.kind === 'mark-paid' || action.kind === 'finish') {
      return { action, stock: [...stock.values()], net: charges - refunds, charges };
    }
    let entry: PeerStepEntry;
    if (action.kind === 'decrease-stock' || action.kind === 'increase-stock') {
      const sign = action.kind === 'decrease-stock' ? -1 : 1;
      const outcomes = action.items.map((item) => {
        const outcome = peer(`${action.kind}:${item.productId}`, fate, () => {
          if (fate === 'refuse' && sign < 0) return 'insufficient';
          stock.set(item.productId, (stock.get(item.productId) ?? 0) + sign * item.quantity);
          return 'changed';
        });
        return [String(item.productId), outcome] as const;
      });
      entry = {
        step: action.kind,
        items: Object.fromEntries(outcomes) as Record<string, 'changed'>,
      };
    } else if (action.kind === 'charge') {
      const outcome = peer('charge', fate, () => {
        if (fate === 'refuse') return 'declined';
        charges += 1;
        return 'charged';
      });
      entry =
        outcome === 'charged'
          ? charged
          : { step: 'charge', outcome: outcome === 'declined' ? 'declined' : 'unknown' };
    } else {
      const outcome = peer('refund', fate === 'refuse' ? 'answer' : fate, () => {
        refunds += 1;
        return 'refunded';
      });
      entry = { step: 'refund', outcome: outcome === 'refunded' ? 'refunded' : 'unknown' };
    }
    if (fate === 'crash') {
      log = [...saved];
      isLogComplete = false;
      continue;
    }
    log.push(entry);
    if (checkpointAfter(entry) !== 'none') saved = [...log];
  }
  throw new Error('the saga did not settle');
}

const fates = fc.array(
  fc.constantFrom<Fate>('answer', 'applied-no-answer', 'lost', 'refuse', 'crash'),
  { maxLength: 40 },
);
const never = 1_000;

describe('order saga plan over unreliable peers and crashes', () => {
  it('ends paid with stock taken once and one charge, or undone with nothing taken', () => {
    fc.assert(
      fc.property(
        fates,
        fc.integer({ min: 0, max: never }),
        fc.integer({ min: 0, max: never }),
        (f, cancelAt, deadlineAt) => {
          const end = simulate('place', f, cancelAt, deadlineAt);

          expect(end.charges).toBeLessThanOrEqual(1);
          if (end.action.kind === 'mark-paid') {
            expect(end).toMatchObject({ stock: [-2, -1], net: 1 });
          } else {
            expect(end).toMatchObject({ stock: [0, 0], net: 0 });
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refunds and restocks everything when a paid order is cancelled or failed', () => {
    fc.assert(
      fc.property(fc.constantFrom<SagaKind>('cancel', 'fail'), fates, (kind, f) => {
        const end = simulate(kind, f, never, never);

        expect(end.action).toMatchObject({
          kind: 'finish',
          status: kind === 'cancel' ? 'cancelled' : 'failed',
        });
        expect(end).toMatchObject({ stock: [2, 1], net: 0 });
      }),
    );
  });
});
