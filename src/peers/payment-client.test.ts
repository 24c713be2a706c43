import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderId, userId } from '../domain/ids.js';
import { cents } from '../domain/money.js';
import { createPaymentClient } from './payment-client.js';
import type { PeerClientOptions } from './peer-http.js';
import { chargeKey, refundKey } from './peer-keys.js';
import { startStandInPeer, type StandInPeer } from './stand-in-peer.js';

let peer: StandInPeer;
const ctx = { requestId: 'req-1' };

beforeEach(async () => {
  peer = await startStandInPeer();
});

afterEach(async () => {
  await peer.close();
});

function client(overrides: Partial<PeerClientOptions> = {}) {
  return createPaymentClient({
    baseUrl: peer.baseUrl,
    // Long enough that a loaded machine never turns a slow answer into a retry (which fails the
    // tests counting one request); the timeout tests set 50 ms against a peer answering at 500.
    timeoutMs: 2_000,
    maxAttempts: 3,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

const chargeRequest = {
  orderId: orderId(17),
  userId: userId(42),
  amountCents: cents(5998),
  currency: 'USD',
  idempotencyKey: chargeKey(orderId(17)),
};

describe('charge', () => {
  it('sends the amount as a decimal string and leaves out a missing payment method', async () => {
    peer.answer({ status: 201, body: { id: 'pay_8f2c', status: 'succeeded', amount: '59.98' } });

    await client().charge(chargeRequest, ctx);

    expect(peer.requests[0]).toMatchObject({ method: 'POST', path: '/api/payments' });
    expect(peer.requests[0]?.body).toEqual({
      orderId: 17,
      userId: 42,
      amount: '59.98',
      currency: 'USD',
    });
  });

  it('is charged once after 503, 503, 201, every attempt carrying the same key', async () => {
    peer.answer(
      { status: 503 },
      { status: 503 },
      { status: 201, body: { id: 'pay_8f2c', status: 'succeeded', amount: '59.98' } },
    );

    const result = await client().charge({ ...chargeRequest, paymentMethod: 'pm_card_visa' }, ctx);

    expect(result).toEqual({ kind: 'charged', paymentId: 'pay_8f2c' });
    expect(peer.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'order-17-payment',
      'order-17-payment',
      'order-17-payment',
    ]);
    expect(peer.requests[2]?.body).toMatchObject({ paymentMethod: 'pm_card_visa' });
  });

  it('is declined after exactly one request on 402', async () => {
    peer.answer({
      status: 402,
      body: { id: 'pay_8f2d', status: 'declined', reason: 'card_declined' },
    });

    const result = await client().charge(chargeRequest, ctx);

    expect(result).toEqual({ kind: 'declined', paymentId: 'pay_8f2d', reason: 'card_declined' });
    expect(peer.requests).toHaveLength(1);
  });

  it('is still declined on a 402 whose body it cannot read', async () => {
    peer.answer({ status: 402, rawBody: '<html>' });

    const result = await client().charge(chargeRequest, ctx);

    expect(result).toEqual({ kind: 'declined', paymentId: null, reason: 'unspecified' });
  });

  it('is unknown after maxAttempts timeouts, all with the same key', async () => {
    peer.answer({ status: 201, body: { id: 'pay_1', status: 'succeeded' }, delayMs: 500 });

    const result = await client({ timeoutMs: 50 }).charge(chargeRequest, ctx);

    expect(result).toEqual({ kind: 'unknown' });
    expect(peer.requests).toHaveLength(3);
    expect(new Set(peer.requests.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set(['order-17-payment']),
    );
  });

  it.each([
    { case: 'not JSON', answer: { status: 201, rawBody: '{"id":' } },
    { case: 'no id', answer: { status: 201, body: { status: 'succeeded' } } },
    { case: 'another status', answer: { status: 201, body: { id: 'pay_1', status: 'pending' } } },
    { case: 'no amount', answer: { status: 201, body: { id: 'pay_1', status: 'succeeded' } } },
    ...['59.981', 'NaN', '5.998e1', '-59.98', ''].map((amount) => ({
      case: `amount ${JSON.stringify(amount)}`,
      answer: { status: 201, body: { id: 'pay_1', status: 'succeeded', amount } },
    })),
    {
      case: 'an HTML page',
      answer: {
        status: 201,
        contentType: 'text/html',
        rawBody: '{"id":"pay_1","status":"succeeded","amount":"59.98"}',
      },
    },
    { case: 'a redirect', answer: { status: 302, headers: { Location: 'http://127.0.0.1:9/' } } },
  ])('is unknown, not charged or declined, on $case', async ({ answer }) => {
    peer.answer(answer);

    const result = await client().charge(chargeRequest, ctx);

    expect(result).toEqual({ kind: 'unknown' });
    expect(peer.requests).toHaveLength(1);
  });

  it.each([400, 401, 403, 404, 409, 422])(
    'is rejected, not unknown, on a %i the contract gives no meaning, after one request',
    async (status) => {
      peer.answer({ status, body: { id: 'pay_1' } });

      const result = await client().charge(chargeRequest, ctx);

      expect(result).toEqual({ kind: 'rejected', status });
      expect(peer.requests).toHaveLength(1);
    },
  );

  it.each([
    { amount: '59.99', chargedCents: 5999 },
    { amount: '0.01', chargedCents: 1 },
    { amount: '599.80', chargedCents: 59980 },
  ])('is wrong-amount when the peer says it charged $amount', async ({ amount, chargedCents }) => {
    peer.answer({ status: 201, body: { id: 'pay_1', status: 'succeeded', amount } });

    const result = await client().charge(chargeRequest, ctx);

    expect(result).toEqual({ kind: 'wrong-amount', paymentId: 'pay_1', chargedCents });
  });

  it('never opens the breaker on declines', async () => {
    const payment = client({ breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } });
    peer.answer({ status: 402, body: { id: 'pay_1', status: 'declined', reason: 'x' } });

    for (let call = 0; call < 3; call += 1) await payment.charge(chargeRequest, ctx);
    peer.answer({ status: 201, body: { id: 'pay_2', status: 'succeeded', amount: '59.98' } });
    const result = await payment.charge(chargeRequest, ctx);

    expect(result).toEqual({ kind: 'charged', paymentId: 'pay_2' });
    expect(peer.requests).toHaveLength(4);
  });
});

describe('refund', () => {
  const refundRequest = {
    paymentId: 'pay_8f2c',
    amountCents: cents(5998),
    reason: 'order_cancelled',
    idempotencyKey: refundKey(orderId(17)),
  };

  it('is refunded on 200, sending the amount as a decimal string and the key', async () => {
    peer.answer({
      status: 200,
      body: { id: 'pay_8f2c', status: 'refunded', refundedAmount: '59.98' },
    });

    const result = await client().refund(refundRequest, ctx);

    expect(result).toEqual({ kind: 'refunded' });
    expect(peer.requests[0]).toMatchObject({
      path: '/api/payments/pay_8f2c/refund',
      body: { amount: '59.98', reason: 'order_cancelled' },
      headers: { 'idempotency-key': 'order-17-refund' },
    });
  });

  it('is rejected with the status on a 4xx, after one request', async () => {
    peer.answer({ status: 404 });

    const result = await client().refund(refundRequest, ctx);

    expect(result).toEqual({ kind: 'rejected', status: 404 });
    expect(peer.requests).toHaveLength(1);
  });

  it('is unknown after retrying 5xx, and on a malformed 200', async () => {
    peer.answer({ status: 500 });
    expect(await client().refund(refundRequest, ctx)).toEqual({ kind: 'unknown' });
    expect(peer.requests).toHaveLength(3);

    peer.answer({ status: 200, rawBody: 'ok' });
    expect(await client().refund(refundRequest, ctx)).toEqual({ kind: 'unknown' });
  });
});
