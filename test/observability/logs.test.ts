import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs } from '../support/http-client.js';
import { useProcessCluster } from '../support/service-process.js';
import { orderBody } from '../support/test-service.js';
import { newUser, testJwtSecret, tokenFor } from '../support/tokens.js';

const cluster = useProcessCluster();
let logDir: string;
beforeAll(async () => {
  logDir = await mkdtemp(path.join(tmpdir(), 'order-service-logs-'));
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
});

const secretPaymentMethod = 'pm_card_visa_do_not_log_4242';

describe('log files', { timeout: 60_000 }, () => {
  it('carry request and order ids on JSON lines, and never a token, secret or payment method', async () => {
    const service = cluster.start({ LOG_DIR: logDir, LOG_LEVEL: 'debug' });
    const url = await service.ready();
    const user = await newUser();
    const product = await cluster.peers.createProduct({ price: '3.00', stock: 5 });
    const forged = await tokenFor(user.id, 'admin', {
      secret: 'not-the-secret-but-still-a-token-0123',
    });

    const placed = await apiAs(url, user.token).post(
      '/api/orders',
      orderBody([{ productId: product.id, quantity: 1 }], { paymentMethod: secretPaymentMethod }),
      { 'X-Request-Id': 'log-test-place' },
    );
    const declined = await apiAs(url, user.token).post(
      '/api/orders',
      orderBody([{ productId: product.id, quantity: 1 }], { paymentMethod: 'pm_card_declined' }),
    );
    const refused = await apiAs(url, forged).get('/api/orders');
    await apiAs(url, user.token).post(`/api/orders/${placed.body.id}/cancel`, { reason: 'test' });
    expect([placed.status, declined.status, refused.status]).toEqual([201, 402, 401]);
    expect(await service.kill('SIGTERM')).toBe(0);

    const all = await readFile(path.join(logDir, 'all.log'), 'utf8');
    const lines = all
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const secret of [user.token, forged, testJwtSecret, secretPaymentMethod, 'Bearer ']) {
      expect(all).not.toContain(secret);
    }
    const placeLine = lines.find(
      (line) => line.requestId === 'log-test-place' && line.message === 'request',
    );
    expect(placeLine).toMatchObject({ method: 'POST', route: '/api/orders', status: 201 });
    const orderLines = lines.filter((line) => line.orderId === placed.body.id);
    expect(orderLines.length).toBeGreaterThan(0);
    expect(
      lines.every((line) => typeof line.timestamp === 'string' && typeof line.level === 'string'),
    ).toBe(true);
  });
});
