import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from './json-http.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './start-sandbox.js';

const anyText: unknown = expect.any(String);
const textMatching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

let sandbox: Sandbox;
let nextOrderId = 2000;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

function charge(body: Record<string, unknown>, idempotencyKey: string) {
  return callJson('POST', `${sandbox.paymentUrl}/api/payments`, {
    body: { userId: 42, currency: 'USD', ...body },
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

function refund(paymentId: string, amount: string, idempotencyKey: string) {
  return callJson('POST', `${sandbox.paymentUrl}/api/payments/${paymentId}/refund`, {
    body: { amount, reason: 'order_cancelled' },
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

async function chargedPaymentId(orderId: number, amount: string): Promise<string> {
  const { status, body } = await charge({ orderId, amount }, randomUUID());
  expect(status).toBe(201);
  return (body as { id: string }).id;
}

async function control(path: string, orderId: number) {
  const { body } = await callJson(
    'GET',
    `${sandbox.paymentUrl}/__sandbox/${path}?orderId=${String(orderId)}`,
  );
  return (body as { data: unknown[] }).data;
}

describe('POST /api/payments', () => {
  it('answers 201 and records the payment', async () => {
    const orderId = nextOrderId++;

    const { status, body } = await charge(
      { orderId, amount: '59.98', paymentMethod: 'pm_card_visa' },
      `order-${String(orderId)}-payment`,
    );

    expect(status).toBe(201);
    expect(body).toEqual({
      id: textMatching(/^pay_[0-9a-f]+$/),
      status: 'succeeded',
      amount: '59.98',
    });
    expect(await control('payments', orderId)).toEqual([
      {
        id: (body as { id: string }).id,
        orderId,
        userId: 42,
        amount: '59.98',
        currency: 'USD',
        status: 'succeeded',
        refundedAmount: '0.00',
        paymentMethod: 'pm_card_visa',
        idempotencyKey: `order-${String(orderId)}-payment`,
        createdAt: anyText,
      },
    ]);
  });

  it('replays the first response for a repeated Idempotency-Key and charges once', async () => {
    const orderId = nextOrderId++;
    const key = randomUUID();

    const first = await charge({ orderId, amount: '10.00' }, key);
    const again = await charge({ orderId, amount: '10.00' }, key);

    expect(again).toEqual(first);
    expect(await control('payments', orderId)).toHaveLength(1);
    expect(await control('net-charges', orderId)).toEqual([
      { orderId, chargedCents: 1000, refundedCents: 0, netCents: 1000 },
    ]);
  });

  it('answers 402 for the declined card and charges nothing', async () => {
    const orderId = nextOrderId++;

    const { status, body } = await charge(
      { orderId, amount: '5.00', paymentMethod: 'pm_card_declined' },
      randomUUID(),
    );

    expect(status).toBe(402);
    expect(body).toEqual({
      id: textMatching(/^pay_/),
      status: 'declined',
      reason: 'card_declined',
    });
    expect(await control('payments', orderId)).toMatchObject([{ status: 'declined' }]);
    expect(await control('net-charges', orderId)).toEqual([
      { orderId, chargedCents: 0, refundedCents: 0, netCents: 0 },
    ]);
  });

  it.each(['59.9', '59', '0.00', 59.98, '-1.00'])(
    'answers 400 for the amount %j',
    async (amount) => {
      const orderId = nextOrderId++;

      const { status } = await charge({ orderId, amount }, randomUUID());

      expect(status).toBe(400);
      expect(await control('payments', orderId)).toEqual([]);
    },
  );
});

describe('POST /api/payments/:paymentId/refund', () => {
  it('refunds once per Idempotency-Key', async () => {
    const orderId = nextOrderId++;
    const paymentId = await chargedPaymentId(orderId, '59.98');
    const key = `order-${String(orderId)}-refund`;

    const first = await refund(paymentId, '59.98', key);
    const again = await refund(paymentId, '59.98', key);

    expect(first).toEqual({
      status: 200,
      body: { id: paymentId, status: 'refunded', refundedAmount: '59.98' },
    });
    expect(again).toEqual(first);
    expect(await control('payments', orderId)).toMatchObject([
      { status: 'refunded', refundedAmount: '59.98' },
    ]);
    expect(await control('net-charges', orderId)).toEqual([
      { orderId, chargedCents: 5998, refundedCents: 5998, netCents: 0 },
    ]);
  });

  it('answers 409 when refunding more than is left to refund', async () => {
    const orderId = nextOrderId++;
    const paymentId = await chargedPaymentId(orderId, '0.30');

    const partial = await refund(paymentId, '0.10', randomUUID());
    const tooMuch = await refund(paymentId, '0.30', randomUUID());
    const rest = await refund(paymentId, '0.20', randomUUID());

    expect(partial.status).toBe(200);
    expect(tooMuch.status).toBe(409);
    expect(rest).toEqual({
      status: 200,
      body: { id: paymentId, status: 'refunded', refundedAmount: '0.30' },
    });
    expect(await control('net-charges', orderId)).toEqual([
      { orderId, chargedCents: 30, refundedCents: 30, netCents: 0 },
    ]);
  });

  it('marks a payment partially refunded until all of it is', async () => {
    const orderId = nextOrderId++;
    const paymentId = await chargedPaymentId(orderId, '1.00');

    await refund(paymentId, '0.40', randomUUID());

    expect(await control('payments', orderId)).toMatchObject([
      { status: 'partially_refunded', refundedAmount: '0.40' },
    ]);
  });

  it('answers 409 for a declined payment, which charged nothing', async () => {
    const orderId = nextOrderId++;
    const declined = await charge(
      { orderId, amount: '5.00', paymentMethod: 'pm_card_declined' },
      randomUUID(),
    );

    const { status } = await refund((declined.body as { id: string }).id, '5.00', randomUUID());

    expect(status).toBe(409);
  });

  it('answers 404 for an unknown payment', async () => {
    const { status } = await refund('pay_0000', '1.00', randomUUID());

    expect(status).toBe(404);
  });
});
