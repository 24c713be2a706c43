/**
 * Trivial peers for the bench: the happy path of peer-services.md and nothing else, on bare
 * node:http, so the systems under test (not the peers) are what the bench measures. Every
 * product exists (price "12.50", stock no run can exhaust), every charge succeeds, every
 * notification is accepted. Answers to a request with an `Idempotency-Key` are kept in memory,
 * so a replay gets the first answer again. No log line per request. Prints one JSON line with the
 * three URLs once listening (as sandbox-process.ts does); exits on SIGTERM.
 *
 *   node --import tsx bench/trivial-peers.ts
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

type Answer = { status: number; body: string };
type Route = (method: string, path: string, body: unknown) => Answer;

const price = '12.50';
const initialStock = 1_000_000_000;
const notFound: Answer = { status: 404, body: '{"error":"not_found"}' };

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });
const fieldOf = (body: unknown, name: string): unknown =>
  typeof body === 'object' && body !== null && name in body
    ? (body as Record<string, unknown>)[name]
    : undefined;

const stock = new Map<number, number>();
const stockOf = (id: number) => stock.get(id) ?? initialStock;
const productPath = /^\/api\/products\/([1-9]\d{0,15})(\/stock\/(decrease|increase))?$/;

const products: Route = (method, path, body) => {
  const match = productPath.exec(path);
  if (match === null) return notFound;
  const id = Number(match[1]);
  const change = match[3];
  if (method === 'GET' && change === undefined) {
    return json(200, { id, name: `Product ${String(id)}`, price, stock: stockOf(id) });
  }
  if (method !== 'POST' || change === undefined) return notFound;
  const quantity = Number(fieldOf(body, 'quantity') ?? 0);
  const next = stockOf(id) + (change === 'increase' ? quantity : -quantity);
  if (next < 0) return json(409, { error: 'insufficient_stock' });
  stock.set(id, next);
  return json(200, { id, stock: next });
};

let payments = 0;
const paymentPath = /^\/api\/payments\/([^/]+)\/refund$/;

const payment: Route = (method, path, body) => {
  if (method !== 'POST') return notFound;
  if (path === '/api/payments') {
    payments += 1;
    return json(201, {
      id: `pay_${String(payments)}`,
      status: 'succeeded',
      amount: String(fieldOf(body, 'amount')),
    });
  }
  const refunded = paymentPath.exec(path);
  if (refunded === null) return notFound;
  return json(200, {
    id: refunded[1],
    status: 'refunded',
    refundedAmount: String(fieldOf(body, 'amount')),
  });
};

const notification: Route = (method, path) =>
  method === 'POST' && path === '/api/notifications' ? { status: 204, body: '' } : notFound;

/** A server answering through `route`; a request with a known Idempotency-Key, as first time. */
function serve(route: Route): Server {
  const replies = new Map<string, Answer>();
  const answer = (req: IncomingMessage, text: string): Answer => {
    const key = req.headers['idempotency-key'];
    const known = typeof key === 'string' ? replies.get(key) : undefined;
    if (known !== undefined) return known;
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return json(400, { error: 'invalid_json' });
    }
    const fresh = route(req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/', body);
    if (typeof key === 'string' && fresh.status < 500) replies.set(key, fresh);
    return fresh;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { status, body } = answer(req, Buffer.concat(chunks).toString());
      res.writeHead(
        status,
        body === ''
          ? {}
          : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      );
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${String(address.port)}`;
}

const servers = [serve(products), serve(payment), serve(notification)];
const [productUrl, paymentUrl, notificationUrl] = await Promise.all(servers.map(listen));
process.stdout.write(`${JSON.stringify({ productUrl, paymentUrl, notificationUrl })}\n`);

const stop = () => {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
