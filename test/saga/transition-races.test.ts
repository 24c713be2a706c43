import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import type { PlacedOrder } from '../support/orders.js';
import { advance, createProducts, placePaidOrder } from '../support/orders.js';
import type { Outcome, RaceRound, Sender } from '../support/race-outcomes.js';
import { allowedSummaries, observeRace } from '../support/race-outcomes.js';
import { sagaPauses, within } from '../support/saga-pauses.js';
import { orderBody, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

/**
 * Conflicting status changes exclude each other (order-api.md, status workflow): whichever comes
 * first wins, the other gets a contract answer, and the ledgers agree with the status the order
 * ends in. A shipped order never ends cancelled, refunded and restocked. Each pair is run with
 * one request's saga held at each of its pause points while the other arrives, then with both
 * fired at the same moment.
 */

/** Rounds of each "at the same moment" race. */
const ROUNDS = 10;
/** A held point no saga reaches within this is reported by name (the saga lacks it). */
const REACH_MS = 3000;
const RESPONSE_DEADLINE_MS = 1000;
/** A request racing a held saga answers by then: 202 at the latest once the deadline passed. */
const ANSWER_MS = RESPONSE_DEADLINE_MS + 4000;

/**
 * Where a compensating saga (cancel, admin failed) can be held, in the order it passes them. A
 * step that succeeds writes no checkpoint (its outcome goes in with the finish), so there is no
 * `recorded:` point between refund and finish on this path.
 */
const compensationPoints = [
  'claimed',
  'before:refund',
  'after:refund',
  'before:increase-stock',
  'after:increase-stock',
  'before:finish',
];
/** Place-saga points after the charge, before the order is paid. */
const chargedPoints = ['after:charge', 'before:mark-paid'];
/** Place-saga points a cancel is fired at, without holding the saga, in the same-moment rounds. */
const placePoints = [
  'before:decrease-stock',
  'after:decrease-stock',
  'before:charge',
  'after:charge',
  'before:mark-paid',
];

const lines = [
  { price: '19.99', stock: 8, quantity: 3 },
  { price: '0.10', stock: 2, quantity: 2 },
];
const totalCents = lines.reduce((sum, l) => sum + Number(l.price.replace('.', '')) * l.quantity, 0);

const pauses = sagaPauses();
const env = useTestService(
  { orderResponseDeadlineMs: RESPONSE_DEADLINE_MS },
  { sagaTestPause: pauses.hook },
);
let admin: TestUser;
beforeAll(async () => {
  admin = await newUser('admin');
});
afterEach(() => {
  pauses.releaseAll();
});

/** A fresh user's paid order on fresh products, moved on by the admin to `status`. */
async function orderIn(status: 'paid' | 'processing' | 'shipped'): Promise<RaceRound> {
  const user = await newUser();
  const { order, products } = await placePaidOrder(env, user, lines);
  const path = ['processing', 'shipped'].slice(
    0,
    status === 'paid' ? 0 : status === 'processing' ? 1 : 2,
  );
  const moved = path.length === 0 ? order : await advance(env, admin, order.id, path);
  return {
    user,
    orderId: order.id,
    version: moved.version,
    products,
    totalCents,
    wasCharged: true,
  };
}

type Move = Sender & { send(round: RaceRound, ifMatch: boolean): Promise<HttpResponse> };
const cancel: Move = {
  label: 'cancel',
  usesIfMatch: false,
  send: (round) =>
    env.api(round.user.token).post(`/api/orders/${round.orderId}/cancel`, { reason: 'race' }),
};
const patch = (status: string): Move => ({
  label: `PATCH ${status}`,
  usesIfMatch: true,
  send: (round, ifMatch) =>
    env
      .api(admin.token)
      .patch(
        `/api/orders/${round.orderId}/status`,
        { status },
        ifMatch ? { 'If-Match': `"${round.version}"` } : {},
      ),
});

const undoes = [200, 202];
const moves = [200];
const loses = [409];

type Pair = {
  name: string;
  from: 'paid' | 'processing' | 'shipped';
  /** The request whose saga is held in the interleaving tests. */
  first: Move;
  second: Move;
  /** Allowed when both arrive at the same moment, in either order. */
  anyOrder: readonly Outcome[];
  /** Allowed when `second` arrives while `first`'s saga holds the order; none: it runs none. */
  whileHeld?: Outcome;
};

const pairs: Pair[] = [
  {
    name: 'cancel vs PATCH processing (paid order)',
    from: 'paid',
    first: cancel,
    second: patch('processing'),
    anyOrder: [
      { first: undoes, second: loses, final: 'cancelled' },
      { first: undoes, second: moves, final: 'cancelled' },
    ],
    whileHeld: { first: undoes, second: loses, final: 'cancelled' },
  },
  {
    name: 'cancel vs PATCH shipped (processing order)',
    from: 'processing',
    first: cancel,
    second: patch('shipped'),
    anyOrder: [
      { first: undoes, second: loses, final: 'cancelled' },
      { first: loses, second: moves, final: 'shipped' },
    ],
    whileHeld: { first: undoes, second: loses, final: 'cancelled' },
  },
  {
    name: 'cancel vs PATCH delivered (shipped order)',
    from: 'shipped',
    first: cancel,
    second: patch('delivered'),
    anyOrder: [{ first: loses, second: moves, final: 'delivered' }],
  },
  {
    name: 'PATCH failed vs PATCH shipped (processing order)',
    from: 'processing',
    first: patch('failed'),
    second: patch('shipped'),
    anyOrder: [
      { first: undoes, second: loses, final: 'failed' },
      { first: loses, second: moves, final: 'shipped' },
    ],
    whileHeld: { first: undoes, second: loses, final: 'failed' },
  },
  {
    name: 'cancel vs cancel (paid order)',
    from: 'paid',
    first: cancel,
    second: cancel,
    anyOrder: [{ first: undoes, second: undoes, final: 'cancelled' }],
    whileHeld: { first: undoes, second: undoes, final: 'cancelled' },
  },
];

const items = (products: PlacedOrder['products']) =>
  products.map((p) => ({ productId: p.id, quantity: p.quantity }));

type Seen = Awaited<ReturnType<typeof observeRace>>;

/** One assertion over all rounds, so the diff shows every round that broke the contract. */
function expectAllAllowed(seen: readonly Seen[]) {
  expect(
    seen.map((s) => s.actual),
    seen.map((s) => s.context).join('\n'),
  ).toEqual(seen.map((s) => s.expected));
}

describe('conflicting status changes exclude each other', () => {
  describe.each(pairs)('$name', (pair) => {
    const { whileHeld } = pair;
    if (whileHeld !== undefined) {
      it.each(compensationPoints.map((point, index) => ({ point, index })))(
        `ends ${whileHeld.final} when ${pair.second.label} arrives while the ${pair.first.label} saga is held at $point`,
        async ({ point, index }) => {
          const ifMatch = index % 2 === 1;
          const round = await orderIn(pair.from);
          const hold = pauses.hold(round.orderId, point);
          const first = pair.first.send(round, ifMatch);
          try {
            await hold.untilReached(REACH_MS);
            const second = await within(
              pair.second.send(round, ifMatch),
              ANSWER_MS,
              `${pair.second.label} while the ${pair.first.label} saga is held at ${point}`,
            );
            hold.release();
            const answers = [
              { label: pair.first.label, response: await first },
              { label: pair.second.label, response: second },
            ];

            const seen = await observeRace(
              env,
              admin,
              round,
              answers,
              allowedSummaries([pair.first, pair.second], [whileHeld], ifMatch),
            );

            expectAllAllowed([seen]);
          } finally {
            hold.release();
            await Promise.allSettled([first]);
          }
        },
        30_000,
      );
    }

    it(`ends in an allowed state when both arrive at the same moment (${ROUNDS} rounds)`, async () => {
      const seen = await Promise.all(
        Array.from({ length: ROUNDS }, async (_, index) => {
          const ifMatch = index % 2 === 1;
          const round = await orderIn(pair.from);
          const [a, b] = await Promise.all([
            pair.first.send(round, ifMatch),
            pair.second.send(round, ifMatch),
          ]);
          const answers = [
            { label: pair.first.label, response: a },
            { label: pair.second.label, response: b },
          ];
          const allowed = allowedSummaries([pair.first, pair.second], pair.anyOrder, ifMatch);
          return observeRace(env, admin, round, answers, allowed);
        }),
      );

      expectAllAllowed(seen);
    }, 60_000);
  });

  describe("cancel vs the place saga's mark-paid (pending order)", () => {
    const place: Sender = { label: 'POST /api/orders', usesIfMatch: false };
    // The create answers 201 when its saga marked the order paid (a cancel may undo that after),
    // 202 while it is pending, else 200 with the order as it is now (order-api.md's rule for a
    // replay after 202): never 201 with a cancelled order.
    const outcomes = [{ first: [200, 201, 202], second: undoes, final: 'cancelled' }];

    /** Places an order and cancels it when its saga reaches `point`: held there, or passing. */
    async function cancelAt(point: string, held: boolean) {
      const user = await newUser();
      const products = await createProducts(env, lines);
      const hold = pauses.hold('next', point);
      const placed = env.api(user.token).post('/api/orders', orderBody(items(products)));
      try {
        const orderId = await hold.untilReached(REACH_MS);
        const round = { user, orderId, version: 0, products, totalCents, wasCharged: held };
        const cancelling = cancel.send(round, false);
        if (!held) hold.release();
        const cancelled = await within(cancelling, ANSWER_MS, `cancel while held at ${point}`);
        hold.release();
        const answers = [
          { label: place.label, response: await placed },
          { label: cancel.label, response: cancelled },
        ];
        // A 201 to the create carries a paid order, a 202 a pending one (order-api.md).
        const created = answers[0]?.response;
        if (created?.status === 201) expect(created.body.status).toBe('paid');
        if (created?.status === 202) expect(created.body.status).toBe('pending');
        return await observeRace(
          env,
          admin,
          round,
          answers,
          allowedSummaries([place, cancel], outcomes, false),
        );
      } finally {
        hold.release();
        await Promise.allSettled([placed]);
      }
    }

    it.each(chargedPoints)(
      'ends cancelled, refunded and restocked when the cancel arrives at %s',
      async (point) => {
        const seen = await cancelAt(point, true);

        expectAllAllowed([seen]);
      },
      30_000,
    );

    it(`ends cancelled with nothing net when the cancel races the saga (${ROUNDS} rounds)`, async () => {
      const seen = [];
      for (let index = 0; index < ROUNDS; index += 1) {
        seen.push(
          await cancelAt(placePoints[index % placePoints.length] ?? 'before:charge', false),
        );
      }

      expectAllAllowed(seen);
    }, 60_000);
  });
});
