import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { z } from 'zod';
import { parseInput } from './bad-request.js';
import { idSchema, idTextSchema, orderIdOf } from './ids.js';
import { formatCents, positiveAmountSchema } from './money.js';
import type { Outcome } from './operation.js';
import { handleOperation } from './operation-handler.js';
import { createPeerApp } from './peer-app.js';
import type { PeerContext, PeerOptions } from './peer-app.js';

export type PaymentStatus = 'succeeded' | 'declined' | 'refunded' | 'partially_refunded';

export type Payment = {
  id: string;
  orderId: number;
  userId: number;
  amountCents: number;
  currency: string;
  status: PaymentStatus;
  refundedCents: number;
  paymentMethod: string | undefined;
  idempotencyKey: string | null;
  createdAt: string;
};

export type PaymentServiceState = { payments: Map<string, Payment> };

export type PaymentService = { app: Express; state: PaymentServiceState; dispose: () => void };

/** The paymentMethod the sandbox declines, as Stripe's test card of the same name. */
export const declinedPaymentMethod = 'pm_card_declined';

const chargeBody = z
  .object({
    orderId: idSchema,
    userId: idSchema,
    amount: positiveAmountSchema,
    currency: z.string().regex(/^[A-Z]{3}$/),
    paymentMethod: z.string().min(1).optional(),
  })
  .strict();
const refundBody = z.object({ amount: positiveAmountSchema, reason: z.string().min(1) }).strict();
const orderQuery = z.object({ orderId: idTextSchema.optional() }).strict();

export function createPaymentService(options: PeerOptions = {}): PaymentService {
  const state: PaymentServiceState = { payments: new Map() };

  function charge(input: z.output<typeof chargeBody>, idempotencyKey: string | undefined): Outcome {
    const isDeclined = input.paymentMethod === declinedPaymentMethod;
    const payment: Payment = {
      id: `pay_${randomBytes(8).toString('hex')}`,
      orderId: input.orderId,
      userId: input.userId,
      amountCents: input.amount,
      currency: input.currency,
      status: isDeclined ? 'declined' : 'succeeded',
      refundedCents: 0,
      paymentMethod: input.paymentMethod,
      idempotencyKey: idempotencyKey ?? null,
      createdAt: new Date().toISOString(),
    };
    state.payments.set(payment.id, payment);
    return isDeclined
      ? { status: 402, body: { id: payment.id, status: 'declined', reason: 'card_declined' } }
      : {
          status: 201,
          body: { id: payment.id, status: 'succeeded', amount: formatCents(input.amount) },
        };
  }

  function refund(input: { paymentId: string; amountCents: number }): Outcome {
    const payment = state.payments.get(input.paymentId);
    if (!payment) return { status: 404, body: { error: 'not_found' } };
    const chargedCents = payment.status === 'declined' ? 0 : payment.amountCents;
    if (payment.refundedCents + input.amountCents > chargedCents) {
      return { status: 409, body: { error: 'refund_exceeds_charge' } };
    }
    payment.refundedCents += input.amountCents;
    payment.status = payment.refundedCents === chargedCents ? 'refunded' : 'partially_refunded';
    // refundedAmount is the payment's total refunded so far, equal to this refund's for a full one.
    return {
      status: 200,
      body: {
        id: payment.id,
        status: 'refunded',
        refundedAmount: formatCents(payment.refundedCents),
      },
    };
  }

  function routes(app: Express, context: PeerContext): void {
    app.post(
      '/api/payments',
      handleOperation(context, {
        operation: 'charge',
        identify: (req) => ({ productId: undefined, orderId: orderIdOf(req.body) }),
        parse: (req) => parseInput(chargeBody, req.body),
        withAmount: (input, amountCents) => ({ ...input, amount: amountCents }),
        apply: charge,
      }),
    );
    app.post(
      '/api/payments/:paymentId/refund',
      handleOperation(context, {
        operation: 'refund',
        identify: (req) => ({
          productId: undefined,
          orderId: state.payments.get(String(req.params.paymentId))?.orderId,
        }),
        parse: (req) => ({
          paymentId: parseInput(z.string(), req.params.paymentId),
          amountCents: parseInput(refundBody, req.body).amount,
        }),
        apply: refund,
      }),
    );

    app.get('/__sandbox/payments', (req, res) => {
      const { orderId } = parseInput(orderQuery, req.query);
      const data = paymentsOf(orderId).map((payment) => ({
        id: payment.id,
        orderId: payment.orderId,
        userId: payment.userId,
        amount: formatCents(payment.amountCents),
        currency: payment.currency,
        status: payment.status,
        refundedAmount: formatCents(payment.refundedCents),
        paymentMethod: payment.paymentMethod,
        idempotencyKey: payment.idempotencyKey,
        createdAt: payment.createdAt,
      }));
      res.json({ data });
    });
    app.get('/__sandbox/net-charges', (req, res) => {
      const { orderId } = parseInput(orderQuery, req.query);
      res.json({ data: netChargesOf(paymentsOf(orderId)) });
    });
  }

  function paymentsOf(orderId: number | undefined): Payment[] {
    return [...state.payments.values()].filter(
      (payment) => orderId === undefined || payment.orderId === orderId,
    );
  }

  const peer = createPeerApp({
    name: 'payment',
    operations: ['charge', 'refund'],
    options,
    routes,
  });
  return { app: peer.app, state, dispose: peer.dispose };
}

type NetCharge = { orderId: number; chargedCents: number; refundedCents: number; netCents: number };

/** One row per order, in the order of its first payment; a declined payment charges nothing. */
function netChargesOf(payments: readonly Payment[]): NetCharge[] {
  const byOrder = new Map<number, NetCharge>();
  for (const payment of payments) {
    const row = byOrder.get(payment.orderId) ?? {
      orderId: payment.orderId,
      chargedCents: 0,
      refundedCents: 0,
      netCents: 0,
    };
    if (payment.status !== 'declined') row.chargedCents += payment.amountCents;
    row.refundedCents += payment.refundedCents;
    row.netCents = row.chargedCents - row.refundedCents;
    byOrder.set(payment.orderId, row);
  }
  return [...byOrder.values()];
}
