import { z } from 'zod';
import type { OrderId, UserId } from '../domain/ids.js';
import { formatCents, parseMoney, type Cents } from '../domain/money.js';
import {
  createPeerHttp,
  isClientError,
  type CallContext,
  type PeerClientOptions,
} from './peer-http.js';

export type ChargeRequest = {
  orderId: OrderId;
  userId: UserId;
  amountCents: Cents;
  currency: string;
  paymentMethod?: string | undefined;
  idempotencyKey: string;
};

/**
 * `unknown`: the charge may have been made (peer-services.md: 5xx or timeout = outcome unknown).
 * Never charge again under a new key; re-send with the same one and the peer answers with what
 * it did.
 */
export type ChargeResult =
  | { kind: 'charged'; paymentId: string }
  /**
   * The peer charged, but another amount than asked (peer-services.md: the 201 body carries the
   * amount). An error to compensate: refund `chargedCents`, the peer's own word for what it took.
   */
  | { kind: 'wrong-amount'; paymentId: string; chargedCents: Cents }
  | { kind: 'declined'; paymentId: string | null; reason: string }
  /** A 4xx other than 402: the peer refused the call itself; no retry fixes it (the saga parks). */
  | { kind: 'rejected'; status: number }
  | { kind: 'unknown' };

export type RefundRequest = {
  paymentId: string;
  amountCents: Cents;
  reason: string;
  idempotencyKey: string;
};

/** `rejected`: the peer answered 4xx and refunded nothing; `unknown`: re-send with the same key. */
export type RefundResult =
  { kind: 'refunded' } | { kind: 'rejected'; status: number } | { kind: 'unknown' };

export type PaymentClient = ReturnType<typeof createPaymentClient>;

// Same as the amounts we send: "59.98" (a JSON number is not the contract's form).
const amountSchema = z.string().transform((value, ctx) => {
  try {
    return parseMoney(value);
  } catch {
    ctx.addIssue('amount is not a money amount with at most two decimals');
    return z.NEVER;
  }
});

// Not .strict(): a field the peer adds later must not make a made charge look unknown. Without a
// readable amount we cannot tell what was charged: unknown, like any 2xx we cannot read.
const chargedBody = z.object({
  id: z.string().min(1).max(255),
  status: z.literal('succeeded'),
  amount: amountSchema,
});

// peer-services.md: 402 is final whatever its body says, so a body we cannot read still declines.
const declinedBody = z
  .object({
    id: z.string().min(1).max(255).optional().catch(undefined),
    reason: z.string().min(1).max(255).optional().catch(undefined),
  })
  .catch({});

const refundedBody = z.object({ status: z.literal('refunded') });

export function createPaymentClient(options: PeerClientOptions) {
  const http = createPeerHttp({ ...options, name: 'payment' });

  async function charge(request: ChargeRequest, ctx: CallContext): Promise<ChargeResult> {
    const { orderId, userId, amountCents, currency, paymentMethod } = request;
    const response = await http.send(
      {
        operation: 'charge',
        method: 'POST',
        path: '/api/payments',
        body: {
          orderId,
          userId,
          amount: formatCents(amountCents),
          currency,
          ...(paymentMethod === undefined ? {} : { paymentMethod }),
        },
        idempotencyKey: request.idempotencyKey,
      },
      ctx,
    );
    if (response.kind === 'no-answer') return { kind: 'unknown' };
    if (response.status === 402) {
      const { id, reason } = declinedBody.parse(response.body);
      return { kind: 'declined', paymentId: id ?? null, reason: reason ?? 'unspecified' };
    }
    if (isClientError(response.status)) return { kind: 'rejected', status: response.status };
    // Any other status, or a 2xx we cannot read, proves nothing either way: unknown, not declined.
    const parsed = chargedBody.safeParse(response.body);
    if (!isSuccess(response.status) || !parsed.success) return { kind: 'unknown' };
    const { id, amount } = parsed.data;
    if (amount !== amountCents)
      return { kind: 'wrong-amount', paymentId: id, chargedCents: amount };
    return { kind: 'charged', paymentId: id };
  }

  async function refund(request: RefundRequest, ctx: CallContext): Promise<RefundResult> {
    const response = await http.send(
      {
        operation: 'refund',
        method: 'POST',
        path: `/api/payments/${encodeURIComponent(request.paymentId)}/refund`,
        body: { amount: formatCents(request.amountCents), reason: request.reason },
        idempotencyKey: request.idempotencyKey,
      },
      ctx,
    );
    if (response.kind === 'no-answer') return { kind: 'unknown' };
    if (isClientError(response.status)) return { kind: 'rejected', status: response.status };
    const parsed = refundedBody.safeParse(response.body);
    if (!isSuccess(response.status) || !parsed.success) return { kind: 'unknown' };
    return { kind: 'refunded' };
  }

  return { charge, refund };
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
