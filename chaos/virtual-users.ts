import type { ApiAnswer, ApiCall } from './order-api-client.js';
import { callApi, orderIn } from './order-api-client.js';
import { isWorthRetrying, retryPauseMs } from './client-retry.js';
import type { Endpoint, LoadRecord } from './load-record.js';
import { recordAnswer } from './load-record.js';
import type { Random } from './seeded-random.js';

/**
 * The load: users placing orders (each with its own Idempotency-Key, sent again on no answer,
 * 5xx, 429 or 409 in-flight, as a careful client does) and cancelling some of them, and an admin
 * moving paid orders forward. Every request goes to the next replica in turn.
 */
export type LoadOptions = {
  urls: readonly string[];
  record: LoadRecord;
  products: readonly { id: number; isScarce: boolean }[];
  users: readonly { id: number; token: string }[];
  admin: { id: number; token: string };
  random: Random;
  /** No new logical request starts after this (epoch ms); those under way finish. */
  endsAt: number;
  signal: AbortSignal;
};

const shippingAddress = {
  street: '1 Chaos Lane',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const cancelShare = 0.2;
const declinedShare = 0.05;
const scarceShare = 0.15;
const giveUpAfterMs = 60_000;
const forward: Record<string, string | undefined> = {
  paid: 'processing',
  processing: 'shipped',
  shipped: 'delivered',
};

/** Runs every user and the admin until `endsAt`, then until their last requests are answered. */
export async function runLoad(options: LoadOptions): Promise<void> {
  let turn = 0;
  const nextUrl = () => options.urls[(turn += 1) % options.urls.length] ?? '';
  const send = sender(options, nextUrl);
  await Promise.all([
    ...options.users.map((user) =>
      placeOrders(options, send, user, options.random.fork(`user-${String(user.id)}`)),
    ),
    moveOrdersForward(options, send, nextUrl, options.random.fork('admin')),
  ]);
}

type Send = (endpoint: Endpoint, call: ApiCall, random: Random) => Promise<ApiAnswer | undefined>;

function sender(options: LoadOptions, nextUrl: () => string): Send {
  const { record, signal } = options;
  return async (endpoint, call, random) => {
    record.logical[endpoint] += 1;
    const giveUpAt = Date.now() + giveUpAfterMs;
    for (let retry = 0; ; retry += 1) {
      const { answer, ms } = await callApi(nextUrl(), call);
      recordAnswer(record, endpoint, answer, ms);
      if (!isWorthRetrying(answer)) return answer;
      if (Date.now() > giveUpAt || signal.aborted) {
        record.gaveUp[endpoint] += 1;
        return undefined;
      }
      await pause(retryPauseMs(retry, random), signal);
    }
  };
}

async function placeOrders(
  options: LoadOptions,
  send: Send,
  user: { id: number; token: string },
  random: Random,
): Promise<void> {
  for (let n = 1; Date.now() < options.endsAt && !options.signal.aborted; n += 1) {
    const answer = await send(
      'place',
      {
        method: 'POST',
        path: '/api/orders',
        token: user.token,
        body: orderBody(options.products, random),
        headers: { 'Idempotency-Key': `chaos-${String(user.id)}-${String(n)}` },
      },
      random,
    );
    const order = isSuccess(answer) ? orderIn(answer?.body) : undefined;
    if (order !== undefined) {
      options.record.placed.push({ orderId: order.id, userId: user.id });
      if (random.chance(cancelShare)) {
        // Some at once, while the saga may still run; some after it finished.
        await pause(random.int(0, 1_500), options.signal);
        await cancel(options, send, user, order.id, random);
      }
    }
    await pause(random.int(100, 500), options.signal);
  }
}

async function cancel(
  options: LoadOptions,
  send: Send,
  user: { id: number; token: string },
  orderId: number,
  random: Random,
): Promise<void> {
  const answer = await send(
    'cancel',
    {
      method: 'POST',
      path: `/api/orders/${String(orderId)}/cancel`,
      token: user.token,
      body: { reason: 'chaos run: changed my mind' },
    },
    random,
  );
  if (isSuccess(answer)) options.record.cancelled.push({ orderId, userId: user.id });
}

async function moveOrdersForward(
  options: LoadOptions,
  send: Send,
  nextUrl: () => string,
  random: Random,
): Promise<void> {
  const { record, admin } = options;
  while (Date.now() < options.endsAt && !options.signal.aborted) {
    await pause(random.int(200, 600), options.signal);
    const [first, ...rest] = record.placed;
    if (first === undefined) continue;
    const { orderId } = random.pick([first, ...rest]);
    const path = `/api/orders/${String(orderId)}`;
    record.logical.read += 1;
    const read = await callApi(nextUrl(), { method: 'GET', path, token: admin.token });
    recordAnswer(record, 'read', read.answer, read.ms);
    const to = forward[orderIn(read.answer?.body)?.status ?? ''];
    const etag = read.answer?.etag;
    if (to === undefined || etag === undefined) continue;
    // With If-Match, sending it again after a lost answer is safe: a change that was made
    // meanwhile makes the version stale (412) instead of moving the order twice.
    const answer = await send(
      'change-status',
      {
        method: 'PATCH',
        path: `${path}/status`,
        token: admin.token,
        body: { status: to, reason: 'chaos run: moving it along' },
        headers: { 'If-Match': etag },
      },
      random,
    );
    if (isSuccess(answer)) record.moved.push({ orderId, to, adminId: admin.id });
  }
}

function orderBody(products: LoadOptions['products'], random: Random) {
  const plenty = products.filter((product) => !product.isScarce);
  const scarce = products.filter((product) => product.isScarce);
  const chosen = new Set<number>();
  const [first, ...rest] = plenty;
  if (first === undefined) throw new Error('no products to order');
  for (let count = Math.min(random.int(1, 3), plenty.length); chosen.size < count;) {
    chosen.add(random.pick([first, ...rest]).id);
  }
  const [scarceOne] = scarce;
  if (scarceOne !== undefined && random.chance(scarceShare)) chosen.add(scarceOne.id);
  return {
    items: [...chosen].map((productId) => ({ productId, quantity: random.int(1, 3) })),
    shippingAddress,
    paymentMethod: random.chance(declinedShare) ? 'pm_card_declined' : 'pm_card_visa',
  };
}

const isSuccess = (answer: ApiAnswer | undefined): boolean =>
  answer !== undefined && answer.status >= 200 && answer.status < 300;

/** Waits `ms`, or less if the run is aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
