import type { Express, Request } from 'express';
import { z } from 'zod';
import { parseInput } from './bad-request.js';
import { idFromText, idSchema, idTextSchema, orderIdOf } from './ids.js';
import { amountTextSchema, priceNumberSchema } from './money.js';
import type { Outcome } from './operation.js';
import { handleOperation } from './operation-handler.js';
import { createPeerApp } from './peer-app.js';
import type { PeerContext, PeerOptions } from './peer-app.js';
import { seedCatalogue } from './product-catalogue.js';
import type { Product } from './product-catalogue.js';

/** An applied change only: replays and refused decreases are not in the ledger. */
export type StockChange = {
  productId: number;
  orderId: number;
  kind: 'decrease' | 'increase';
  quantity: number;
  idempotencyKey: string | null;
  stockAfter: number;
  at: string;
};

export type ProductServiceState = { products: Map<number, Product>; stockLedger: StockChange[] };

export type ProductService = { app: Express; state: ProductServiceState; dispose: () => void };

const stockChangeBody = z.object({ quantity: z.int().positive(), orderId: idSchema }).strict();
const newProductBody = z
  .object({
    name: z.string().min(1).optional(),
    price: z.union([amountTextSchema, priceNumberSchema]),
    stock: z.int().nonnegative(),
  })
  .strict();
const stockBody = z.object({ stock: z.int().nonnegative() }).strict();
// Any JSON string or number, unchecked: the poisons ("29.999", -1, "1e3", "NaN") the Order
// Service must refuse.
const rawPriceBody = z.object({ price: z.union([z.string().max(1000), z.number()]) }).strict();
const ledgerQuery = z
  .object({ productId: idTextSchema.optional(), orderId: idTextSchema.optional() })
  .strict();

const notFound: Outcome = { status: 404, body: { error: 'not_found' } };

export function createProductService(options: PeerOptions = {}): ProductService {
  const state: ProductServiceState = { products: seedCatalogue(), stockLedger: [] };
  let lastId = Math.max(...state.products.keys());

  function changeStock(
    kind: StockChange['kind'],
    input: z.output<typeof stockChangeBody> & { productId: number },
    idempotencyKey: string | undefined,
  ): Outcome {
    const product = state.products.get(input.productId);
    if (!product) return notFound;
    const delta = kind === 'decrease' ? -input.quantity : input.quantity;
    if (product.stock + delta < 0) return { status: 409, body: { error: 'insufficient_stock' } };
    product.stock += delta;
    state.stockLedger.push({
      productId: product.id,
      orderId: input.orderId,
      kind,
      quantity: input.quantity,
      idempotencyKey: idempotencyKey ?? null,
      stockAfter: product.stock,
      at: new Date().toISOString(),
    });
    return { status: 200, body: { id: product.id, stock: product.stock } };
  }

  const identify = (req: Request) => ({
    productId: idFromText(req.params.id),
    orderId: orderIdOf(req.body),
  });
  const parseStockChange = (req: Request) => ({
    productId: parseInput(idTextSchema, req.params.id),
    ...parseInput(stockChangeBody, req.body),
  });

  function routes(app: Express, context: PeerContext): void {
    app.get(
      '/api/products/:id',
      handleOperation(context, {
        operation: 'getProduct',
        identify,
        parse: (req) => parseInput(idTextSchema, req.params.id),
        apply: (id) => {
          const product = state.products.get(id);
          return product ? { status: 200, body: { ...product } } : notFound;
        },
      }),
    );
    app.post(
      '/api/products/:id/stock/decrease',
      handleOperation(context, {
        operation: 'decreaseStock',
        identify,
        parse: parseStockChange,
        apply: (input, key) => changeStock('decrease', input, key),
      }),
    );
    app.post(
      '/api/products/:id/stock/increase',
      handleOperation(context, {
        operation: 'increaseStock',
        identify,
        parse: parseStockChange,
        apply: (input, key) => changeStock('increase', input, key),
      }),
    );

    app.post('/__sandbox/products', (req, res) => {
      const input = parseInput(newProductBody, req.body);
      lastId += 1;
      const product: Product = {
        id: lastId,
        name: input.name ?? `Product ${String(lastId)}`,
        price: input.price,
        stock: input.stock,
      };
      state.products.set(product.id, product);
      res.status(201).json(product);
    });
    app.put('/__sandbox/products/:id/stock', (req, res) => {
      const id = parseInput(idTextSchema, req.params.id);
      const { stock } = parseInput(stockBody, req.body);
      const product = state.products.get(id);
      if (!product) {
        res.status(404).json({ error: 'not_found' });
        return;
      }
      product.stock = stock;
      res.json(product);
    });
    app.put('/__sandbox/products/:id/price', (req, res) => {
      const id = parseInput(idTextSchema, req.params.id);
      const { price } = parseInput(rawPriceBody, req.body);
      const product = state.products.get(id);
      if (!product) {
        res.status(404).json({ error: 'not_found' });
        return;
      }
      product.price = price;
      res.json(product);
    });
    app.get('/__sandbox/stock-ledger', (req, res) => {
      const filter = parseInput(ledgerQuery, req.query);
      const data = state.stockLedger.filter(
        (change) =>
          (filter.productId === undefined || change.productId === filter.productId) &&
          (filter.orderId === undefined || change.orderId === filter.orderId),
      );
      res.json({ data });
    });
  }

  const peer = createPeerApp({
    name: 'product',
    operations: ['getProduct', 'decreaseStock', 'increaseStock'],
    options,
    routes,
  });
  return { app: peer.app, state, dispose: peer.dispose };
}
