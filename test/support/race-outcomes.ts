import { expect } from 'vitest';
import type { HttpResponse } from './http-client.js';
import type { PlacedOrder } from './orders.js';
import { historyOf, oneRestockEach, statusOf, stocksOf } from './orders.js';
import type { TestService } from './test-service.js';
import type { TestUser } from './tokens.js';

/**
 * What two racing requests did to one order, read back once no saga works on it any more, next
 * to what the contract allows (order-api.md's workflow, peer-services.md's invariants): one
 * `toEqual` shows every disagreement of a round at once.
 */

/** One order a race is run on. */
export type RaceRound = {
  user: TestUser;
  orderId: number;
  /** The order's version before the race: what a request sends as If-Match. */
  version: number;
  products: PlacedOrder['products'];
  totalCents: number;
  /** Stock was taken and the card charged before the race began. */
  wasCharged: boolean;
};

export type Answer = { label: string; response: HttpResponse };
export type Sender = { label: string; usesIfMatch: boolean };
/** Answers of (first, second) and the status the order ends in, allowed together. */
export type Outcome = { first: readonly number[]; second: readonly number[]; final: string };

const finalStatuses = new Set(['delivered', 'cancelled', 'failed']);
/** order-api.md's status workflow, as `from → to`. */
const workflow = new Set([
  ' → pending',
  'pending → paid',
  'pending → cancelled',
  'pending → failed',
  'paid → processing',
  'paid → cancelled',
  'processing → shipped',
  'processing → cancelled',
  'processing → failed',
  'shipped → delivered',
]);

const summary = (answers: readonly { label: string; status: number }[], final: string) =>
  `${answers.map((a) => `${a.label} → ${a.status}`).join(', ')}, order ends ${final}`;

/** Every allowed summary; a loser that sent a stale If-Match may get 412 instead of 409. */
export function allowedSummaries(
  [first, second]: readonly [Sender, Sender],
  outcomes: readonly Outcome[],
  ifMatch: boolean,
): string[] {
  const codes = (sender: Sender, allowed: readonly number[]) =>
    ifMatch && sender.usesIfMatch && allowed.includes(409) ? [...allowed, 412] : allowed;
  return outcomes.flatMap((o) =>
    codes(first, o.first).flatMap((a) =>
      codes(second, o.second).map((b) =>
        summary(
          [
            { label: first.label, status: a },
            { label: second.label, status: b },
          ],
          o.final,
        ),
      ),
    ),
  );
}

async function unfinishedSagas(env: TestService, admin: TestUser, orderId: number) {
  const listed = await env.api(admin.token).get('/api/admin/sagas?state=unfinished&limit=100');
  if (listed.status !== 200) throw new Error(`GET /api/admin/sagas answered ${listed.status}`);
  return (listed.body.data as { orderId: number }[]).filter((s) => s.orderId === orderId).length;
}

/** The order's status once it has left `pending` and no saga works on it any more. */
async function settledStatus(env: TestService, admin: TestUser, round: RaceRound) {
  await expect
    .poll(
      async () =>
        (await statusOf(env, round.user, round.orderId)) !== 'pending' &&
        (await unfinishedSagas(env, admin, round.orderId)) === 0,
      { timeout: 15_000, interval: 50, message: `order ${round.orderId} never settled` },
    )
    .toBe(true);
  return statusOf(env, round.user, round.orderId);
}

const byProduct = (entries: { productId: number; quantity: number }[]) => {
  const result: Record<number, number[]> = {};
  for (const entry of entries) (result[entry.productId] ??= []).push(entry.quantity);
  return result;
};

/**
 * The settled order, its ledgers and history (`actual`) and what they must be (`expected`):
 * cancelled/failed ⇒ refunded once, nothing net, every decrease restocked once; a forward status
 * ⇒ charged the total, nothing refunded or restocked. The history never leaves a final status,
 * makes no move outside the workflow and enters a final status at most once. `context` carries
 * the answers' bodies for the failure message.
 */
export async function observeRace(
  env: TestService,
  admin: TestUser,
  round: RaceRound,
  answers: readonly Answer[],
  allowed: readonly string[],
) {
  const final = await settledStatus(env, admin, round);
  const id = round.orderId;
  const [money, refunds, ledger, stocks, history] = await Promise.all([
    env.peers.netCharge(id),
    env.peers.requests('refund', id),
    env.peers.stockLedger(id),
    stocksOf(env, round.products),
    historyOf(env, round.user, id),
  ]);
  const decreases = byProduct(ledger.filter((e) => e.kind === 'decrease'));
  const actual = {
    outcome: summary(
      answers.map((a) => ({ label: a.label, status: a.response.status })),
      final,
    ),
    money: {
      chargedCents: money.chargedCents,
      refundedCents: money.refundedCents,
      netCents: money.netCents,
    },
    refunds: new Set(refunds.filter((r) => r.status === 200).map((r) => r.idempotencyKey)).size,
    decreases,
    increases: byProduct(ledger.filter((e) => e.kind === 'increase')),
    stocks,
    movesOutOfFinal: history
      .filter((e) => e.from !== null && finalStatuses.has(e.from))
      .map((e) => `${e.from ?? ''} → ${e.to}`),
    movesOutsideWorkflow: history
      .map((e) => `${e.from ?? ''} → ${e.to}`)
      .filter((move) => !workflow.has(move)),
    entriesIntoFinal: history.filter((e) => finalStatuses.has(e.to)).length,
    lastEntry: history.at(-1)?.to,
  };
  const undone = final === 'cancelled' || final === 'failed';
  // A pending order cancelled early may never have been charged, or had only some stock taken.
  const charged = round.wasCharged || !undone ? round.totalCents : money.chargedCents;
  const taken = round.wasCharged || !undone ? oneRestockEach(round.products) : decreases;
  const expected = {
    outcome: expect.toBeOneOf([...allowed]),
    money: undone
      ? {
          chargedCents: round.wasCharged
            ? round.totalCents
            : expect.toBeOneOf([0, round.totalCents]),
          refundedCents: charged,
          netCents: 0,
        }
      : { chargedCents: round.totalCents, refundedCents: 0, netCents: round.totalCents },
    refunds: undone && charged > 0 ? 1 : 0,
    decreases: taken,
    increases: undone ? taken : {},
    stocks: round.products.map((p) => (undone ? p.stockBefore : p.stockBefore - p.quantity)),
    movesOutOfFinal: [],
    movesOutsideWorkflow: [],
    entriesIntoFinal: finalStatuses.has(final) ? 1 : 0,
    lastEntry: final,
  };
  const bodies = answers.map((a) => `${a.label} ${a.response.status}: ${a.response.text}`);
  return { actual, expected, context: `order ${id}\n${bodies.join('\n')}` };
}
