import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { productId } from './ids.js';
import { cents } from './money.js';
import type { OrderItem } from './order.js';
import type { SagaAction, SagaKind, SagaSituation } from './order-saga.js';
import { nextAction } from './order-saga.js';
import type { SagaLogEntry } from './saga-log.js';
import { checkpointAfter } from './saga-log.js';

const items: OrderItem[] = [
  { productId: productId(1), quantity: 2, priceCents: cents(1000) },
  { productId: productId(2), quantity: 1, priceCents: cents(250) },
];
const [mug, pen] = items as [OrderItem, OrderItem];

const situation = (overrides: Partial<SagaSituation> = {}): SagaSituation => ({
  kind: 'place',
  items,
  totalCents: cents(2250),
  paymentId: null,
  requestedBy: { actor: 'user:7', reason: null },
  cancelRequest: null,
  isPastDeadline: false,
  isLogComplete: true,
  log: [],
  ...overrides,
});

const decreased = (outcomes: Record<string, string>): SagaLogEntry => ({
  step: 'decrease-stock',
  items: outcomes as Record<string, 'changed'>,
});
const charged: SagaLogEntry = { step: 'charge', outcome: 'charged', paymentId: 'pay_1' };

describe('order saga plan: the log so far → the next action', () => {
  it.each<[string, Partial<SagaSituation>, SagaAction]>([
    ['a new order decreases every item in one step', {}, { kind: 'decrease-stock', items }],
    [
      'stock taken: charge',
      { log: [decreased({ 1: 'changed', 2: 'changed' })] },
      { kind: 'charge' },
    ],
    [
      'a decrease without an answer is sent again, alone',
      { log: [decreased({ 1: 'changed', 2: 'unknown' })] },
      { kind: 'decrease-stock', items: [pen] },
    ],
    [
      'charged: mark paid',
      { log: [decreased({ 1: 'changed', 2: 'changed' }), charged] },
      { kind: 'mark-paid', paymentId: 'pay_1' },
    ],
    [
      'short stock: restock only what the peer confirmed',
      { log: [decreased({ 1: 'changed', 2: 'insufficient' })] },
      { kind: 'increase-stock', items: [mug] },
    ],
    [
      'resumed after a crash with nothing recorded, cancel requested: learn what was decreased',
      { isLogComplete: false, cancelRequest: { actor: 'user:7', reason: null } },
      { kind: 'decrease-stock', items },
    ],
    [
      'resumed, stock confirmed and restocked, charge unrecorded: send the charge again to learn',
      {
        isLogComplete: false,
        isPastDeadline: true,
        log: [
          decreased({ 1: 'changed', 2: 'changed' }),
          { step: 'increase-stock', items: { 1: 'changed', 2: 'changed' } },
        ],
      },
      { kind: 'charge' },
    ],
    [
      'cancel requested after the charge: refund the total as cancelled',
      {
        cancelRequest: { actor: 'admin:1', reason: 'fraud' },
        log: [
          decreased({ 1: 'changed', 2: 'changed' }),
          { step: 'increase-stock', items: { 1: 'changed', 2: 'changed' } },
          charged,
        ],
      },
      { kind: 'refund', paymentId: 'pay_1', amountCents: cents(2250), reason: 'order_cancelled' },
    ],
    [
      'a charge of another amount: refund what the peer took, as failed',
      {
        log: [
          decreased({ 1: 'changed', 2: 'changed' }),
          { step: 'increase-stock', items: { 1: 'changed', 2: 'changed' } },
          { step: 'charge', outcome: 'wrong-amount', paymentId: 'pay_9', chargedAmount: '199.90' },
        ],
      },
      { kind: 'refund', paymentId: 'pay_9', amountCents: cents(19990), reason: 'order_failed' },
    ],
    [
      'cancel requested before anything was sent: finish cancelled, by whoever asked',
      { cancelRequest: { actor: 'admin:1', reason: 'fraud' } },
      {
        kind: 'finish',
        status: 'cancelled',
        sagaState: 'failed',
        actor: 'admin:1',
        reason: 'fraud',
        productIds: [],
      },
    ],
    [
      'declined and restocked: fail as the system, naming the cause',
      {
        log: [
          decreased({ 1: 'changed', 2: 'changed' }),
          { step: 'charge', outcome: 'declined', reason: 'card_declined' },
          { step: 'increase-stock', items: { 1: 'changed', 2: 'not-found' } },
        ],
      },
      {
        kind: 'finish',
        status: 'failed',
        sagaState: 'failed',
        actor: 'system',
        reason: 'payment-declined',
        cause: 'payment-declined',
        productIds: [],
      },
    ],
    [
      'short stock outranks an unknown product: fail naming the short one',
      { log: [decreased({ 1: 'not-found', 2: 'unknown' }), decreased({ 2: 'insufficient' })] },
      {
        kind: 'finish',
        status: 'failed',
        sagaState: 'failed',
        actor: 'system',
        reason: 'insufficient-stock',
        cause: 'insufficient-stock',
        productIds: [pen.productId],
      },
    ],
    [
      'unknown product: fail naming it',
      {
        log: [
          decreased({ 1: 'not-found', 2: 'changed' }),
          { step: 'increase-stock', items: { 2: 'changed' } },
        ],
      },
      {
        kind: 'finish',
        status: 'failed',
        sagaState: 'failed',
        actor: 'system',
        reason: 'unknown-product',
        cause: 'unknown-product',
        productIds: [mug.productId],
      },
    ],
    [
      'a cancel saga refunds first, as cancelled',
      { kind: 'cancel', paymentId: 'pay_1' },
      { kind: 'refund', paymentId: 'pay_1', amountCents: cents(2250), reason: 'order_cancelled' },
    ],
    [
      'an admin failed saga, refunded: restock every item',
      { kind: 'fail', paymentId: 'pay_1', log: [{ step: 'refund', outcome: 'refunded' }] },
      { kind: 'increase-stock', items },
    ],
    [
      'a cancel saga done: finish as its requester, the saga completed',
      {
        kind: 'cancel',
        paymentId: 'pay_1',
        requestedBy: { actor: 'user:7', reason: 'changed my mind' },
        log: [
          { step: 'refund', outcome: 'refunded' },
          { step: 'increase-stock', items: { 1: 'changed', 2: 'changed' } },
        ],
      },
      {
        kind: 'finish',
        status: 'cancelled',
        sagaState: 'completed',
        actor: 'user:7',
        reason: 'changed my mind',
        productIds: [],
      },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(nextAction(situation(overrides)).action).toEqual(expected);
  });

  it('writes nothing between the stored order and mark-paid on the happy path', () => {
    expect(checkpointAfter(decreased({ 1: 'changed', 2: 'changed' }))).toBe('none');
    expect(checkpointAfter(charged)).toBe('none');
    expect(checkpointAfter(decreased({ 1: 'changed', 2: 'insufficient' }))).toBe('save');
    expect(checkpointAfter({ step: 'charge', outcome: 'unknown' })).toBe('retry-later');
    expect(checkpointAfter({ step: 'refund', outcome: 'rejected' })).toBe('retry-later');
  });
});

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
    const { action } = nextAction(
      situation({
        kind,
        paymentId: kind === 'place' ? null : 'pay_1',
        cancelRequest: step >= cancelAt ? { actor: 'user:7', reason: null } : null,
        isPastDeadline: step >= deadlineAt,
        isLogComplete,
        log,
      }),
    );
    if (action.kind === 'mark-paid' || action.kind === 'finish') {
      return { action, stock: [...stock.values()], net: charges - refunds, charges };
    }
    let entry: SagaLogEntry;
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
