import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { orderClient } from '../../examples/client/order-client.js';
import { tour } from '../../examples/client/tour.js';
import { runCommand } from '../support/command.js';
import { useProcessCluster } from '../support/service-process.js';
import { newUser } from '../support/tokens.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('examples/client, the typed client', () => {
  it('was generated from the document as it is now', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'order-service-client-'));
    onTestFinished(() => rm(directory, { recursive: true }));
    const regenerated = path.join(directory, 'schema.d.ts');

    const result = await runCommand(
      'npm',
      ['run', '-s', 'client:generate', '--', '--out', regenerated],
      {
        cwd: root,
      },
    );

    expect(result.code, result.output).toBe(0);
    const committed = await readFile(path.join(root, 'examples/client/schema.d.ts'), 'utf8');
    expect(
      await readFile(regenerated, 'utf8'),
      '/openapi.json changed: run npm run client:generate and commit examples/client/schema.d.ts',
    ).toBe(committed);
  }, 60_000);

  describe('the tour through it, against a started service', () => {
    const cluster = useProcessCluster();

    it('answers every step as order-api.md and the README say', async () => {
      const service = cluster.start();
      const base = await service.ready();
      const [user, admin] = await Promise.all([newUser(), newUser('admin')]);
      const stockBefore = await cluster.peers.stockOf(1);

      const answers = await tour({
        user: orderClient(base, user.token),
        admin: orderClient(base, admin.token),
      });

      const { placed, replayed, fetched, listed, history, cancelled } = answers;
      const order = placed.data!;
      expect(placed.response.status).toBe(201);
      expect(placed.response.headers.get('location')).toBe(`/api/orders/${order.id}`);
      expect(order).toMatchObject({ userId: user.id, status: 'paid', totalAmount: '25.98' });
      expect(order.items).toEqual([{ productId: 1, quantity: 2, price: '12.99' }]);

      expect(replayed.response.status).toBe(201);
      expect(replayed.response.headers.get('idempotent-replayed')).toBe('true');
      expect(replayed.data).toEqual(order);

      expect(fetched.response.status).toBe(200);
      expect(fetched.response.headers.get('etag')).toBe(`"${order.version}"`);
      expect(fetched.data).toEqual(order);

      expect(listed.response.status).toBe(200);
      expect(listed.data?.data.map((each) => each.id)).toEqual([order.id]);
      expect(listed.data?.pagination).toMatchObject({ page: 1, limit: 5, total: 1 });

      expect(history.response.status).toBe(200);
      expect(history.data?.data.map(({ from, to }) => ({ from, to }))).toEqual([
        { from: null, to: 'pending' },
        { from: 'pending', to: 'paid' },
      ]);

      expect(cancelled.response.status).toBe(200);
      expect(cancelled.data).toMatchObject({ id: order.id, status: 'cancelled' });
      expect((await cluster.peers.netCharge(order.id)).netCents).toBe(0);

      const { placedSecond, processingByUser, processing, deliveredTooSoon, cancelledSecond } =
        answers;
      const second = placedSecond.data!;
      expect(placedSecond.response.status).toBe(201);
      expect(second.id).not.toBe(order.id);
      expect(processingByUser.response.status).toBe(403);
      expect(processingByUser.error?.type).toBe('/problems/forbidden');
      expect(processing.response.status).toBe(200);
      expect(processing.data).toMatchObject({ id: second.id, status: 'processing' });
      expect(deliveredTooSoon.response.status).toBe(409);
      expect(deliveredTooSoon.error).toMatchObject({
        currentStatus: 'processing',
        requestedStatus: 'delivered',
        allowedStatuses: expect.arrayContaining(['shipped']),
      });
      expect(cancelledSecond.response.status).toBe(200);
      expect(cancelledSecond.data).toMatchObject({ id: second.id, status: 'cancelled' });
      expect((await cluster.peers.netCharge(second.id)).netCents).toBe(0);

      const { declined, unknownProduct } = answers;
      expect(declined.response.status).toBe(402);
      expect(declined.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(declined.error).toMatchObject({
        type: '/problems/payment-declined',
        orderId: expect.any(Number),
      });
      expect(unknownProduct.response.status).toBe(422);
      expect(unknownProduct.error).toMatchObject({
        type: '/problems/unknown-products',
        productIds: [999],
      });
      expect(await cluster.peers.stockOf(1)).toBe(stockBefore);
    }, 60_000);
  });
});
