import { describe, expect, it } from 'vitest';
import { productId } from './ids.js';
import { cents } from './money.js';
import type { OrderItem } from './order.js';
import type { SagaAction, SagaSituation } from './order-saga.js';
import { nextAction } from './order-saga.js';
import type { PeerStepEntry } from './saga-log.js';
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

const decreased = (outcomes: Record<string, string>): PeerStepEntry => ({
  step: 'decrease-stock',
  items: outcomes as Record<string, 'changed'>,
});
const charged: PeerStepEntry = { step: 'charge', outcome: 'charged', paymentId: 'pay_1' };

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
      'declined after a cancel was accepted: cancelled as the canceller, nothing to refund',
      {
        cancelRequest: { actor: 'user:7', reason: 'changed my mind' },
        log: [
          decreased({ 1: 'changed', 2: 'changed' }),
          { step: 'charge', outcome: 'declined', reason: 'card_declined' },
          { step: 'increase-stock', items: { 1: 'changed', 2: 'changed' } },
        ],
      },
      {
        kind: 'finish',
        status: 'cancelled',
        sagaState: 'failed',
        actor: 'user:7',
        reason: 'changed my mind',
        cause: 'payment-declined',
        productIds: [],
      },
    ],
    [
      'a charge of the wrong amount refunded after a cancel was accepted: cancelled as the canceller',
      {
        cancelRequest: { actor: 'admin:1', reason: null },
        log: [
          decreased({ 1: 'changed', 2: 'changed' }),
          { step: 'charge', outcome: 'wrong-amount', paymentId: 'pay_1', chargedAmount: '1.00' },
          { step: 'refund', outcome: 'refunded' },
          { step: 'increase-stock', items: { 1: 'changed', 2: 'changed' } },
        ],
      },
      {
        kind: 'finish',
        status: 'cancelled',
        sagaState: 'failed',
        actor: 'admin:1',
        reason: null,
        cause: 'payment-amount-mismatch',
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
    // A refusal no retry fixes: nothing saved here, the plan parks next (and parking saves it).
    expect(checkpointAfter({ step: 'refund', outcome: 'rejected', status: 400 })).toBe('none');
    expect(checkpointAfter({ step: 'refund', outcome: 'unknown' })).toBe('retry-later');
  });
});
