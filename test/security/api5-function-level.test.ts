import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import { historyOf, orderOf, placePaidOrder, problemJson } from '../support/orders.js';
import { useTestService } from '../support/test-service.js';
import { newUser, testJwtSecret, uniqueUserId } from '../support/tokens.js';
import { orderStatuses } from '../../src/domain/order-status.js';

// OWASP API5:2023 Broken Function Level Authorization: the admin functions (status changes, the
// saga endpoints) check the role before anything else, and only the documented role claims make
// an admin: nothing that merely looks like one.
const env = useTestService();

const statuses = orderStatuses;

const expectForbidden = (response: HttpResponse, what: string): void => {
  expect({ what, status: response.status }).toEqual({ what, status: 403 });
  expect(response.headers.get('content-type')).toMatch(problemJson);
  expect(response.body).toMatchObject({ type: '/problems/forbidden', status: 403 });
};

/** An HS256 token for a fresh user id with exactly these role claims. */
async function tokenWith(roleClaims: JWTPayload): Promise<{ id: number; token: string }> {
  const id = uniqueUserId();
  const token = await new SignJWT({ ...roleClaims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(id))
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(testJwtSecret));
  return { id, token };
}

describe('PATCH /api/orders/:id/status as a plain user', () => {
  it.each(statuses)(
    'answers 403 for → %s on their own order, an order that does not exist and a bad id, changing nothing',
    async (status) => {
      const user = await newUser();
      const { order } = await placePaidOrder(env, user);
      const historyBefore = await historyOf(env, user, order.id);
      const api = env.api(user.token);

      const own = await api.patch(`/api/orders/${order.id}/status`, { status });
      const withIfMatch = await api.patch(
        `/api/orders/${order.id}/status`,
        { status, reason: 'please' },
        { 'If-Match': `"${order.version}"` },
      );
      const missing = await api.patch('/api/orders/900000000000/status', { status });
      const badId = await api.patch('/api/orders/not-an-id/status', { status });
      const badBody = await api.patch(`/api/orders/${order.id}/status`, { status, extra: 1 });

      for (const [what, response] of Object.entries({
        own,
        withIfMatch,
        missing,
        badId,
        badBody,
      })) {
        expectForbidden(response, what);
      }
      expect(await orderOf(env, user, order.id)).toEqual(order);
      expect(await historyOf(env, user, order.id)).toEqual(historyBefore);
    },
  );
});

describe('/api/admin as a plain user', () => {
  it('answers 403 to the saga list and retry, whatever the query or id', async () => {
    const [user, admin] = [await newUser(), await newUser('admin')];
    await placePaidOrder(env, user);
    const sagas = await env.api(admin.token).get('/api/admin/sagas?state=completed');
    expect(sagas.status).toBe(200);
    const sagaId: number = sagas.body.data[0].id;
    const api = env.api(user.token);

    const responses = {
      list: await api.get('/api/admin/sagas'),
      listCompleted: await api.get('/api/admin/sagas?state=completed'),
      listBadQuery: await api.get('/api/admin/sagas?state=everything&limit=1000'),
      retry: await api.post(`/api/admin/sagas/${sagaId}/retry`),
      retryMissing: await api.post('/api/admin/sagas/900000000000/retry'),
      retryBadId: await api.post('/api/admin/sagas/not-an-id/retry'),
    };

    for (const [what, response] of Object.entries(responses)) expectForbidden(response, what);
  });
});

describe('role claims that only look like admin', () => {
  const lookalikes: { name: string; claims: JWTPayload }[] = [
    { name: 'role: "Admin"', claims: { role: 'Admin' } },
    { name: 'role: "ADMIN"', claims: { role: 'ADMIN' } },
    { name: 'role: " admin"', claims: { role: ' admin' } },
    { name: 'role: ["admin"]', claims: { role: ['admin'] } },
    { name: 'roles: "admin" (a string, not a list)', claims: { roles: 'admin' } },
    { name: 'roles: ["user"]', claims: { roles: ['user'] } },
    { name: 'roles: ["Admin"]', claims: { roles: ['Admin'] } },
    { name: 'roles: [["admin"]]', claims: { roles: [['admin']] } },
    { name: 'roles: { "0": "admin" }', claims: { roles: { '0': 'admin', length: 1 } } },
    { name: 'admin: true', claims: { admin: true, isAdmin: true, is_admin: true } },
    { name: 'scope: "admin"', claims: { scope: 'admin', scp: ['admin'] } },
  ];

  it.each(lookalikes)(
    "keeps $name a plain user: 403 on PATCH and admin routes, nothing of another user's",
    async ({ claims }) => {
      const owner = await newUser();
      const { order } = await placePaidOrder(env, owner);
      const { id, token } = await tokenWith(claims);
      const api = env.api(token);

      const patch = await api.patch(`/api/orders/${order.id}/status`, { status: 'processing' });
      const sagas = await api.get('/api/admin/sagas');
      const othersList = await api.get(`/api/orders?userId=${owner.id}`);
      const othersOrder = await api.get(`/api/orders/${order.id}`);
      const ownList = await api.get('/api/orders');

      expectForbidden(patch, 'PATCH status');
      expectForbidden(sagas, 'GET /api/admin/sagas');
      expectForbidden(othersList, 'list userId=owner');
      expect(othersOrder.status).toBe(404);
      expect(ownList.status).toBe(200);
      expect(ownList.body.data).toEqual([]);
      expect(id).not.toBe(owner.id);
      expect(await orderOf(env, owner, order.id)).toEqual(order);
    },
  );

  it('treats role: "admin" and roles: ["admin"] as admins (the same calls succeed)', async () => {
    const owner = await newUser();
    const { order } = await placePaidOrder(env, owner);

    for (const claims of [{ role: 'admin' }, { roles: ['user', 'admin'] }]) {
      const api = env.api((await tokenWith(claims)).token);

      expect((await api.get(`/api/orders?userId=${owner.id}`)).status).toBe(200);
      expect((await api.get(`/api/orders/${order.id}`)).status).toBe(200);
      expect((await api.get('/api/admin/sagas')).status).toBe(200);
    }
    const admin = env.api((await tokenWith({ role: 'admin' })).token);
    const patch = await admin.patch(`/api/orders/${order.id}/status`, { status: 'processing' });
    expect(patch.status).toBe(200);
  });
});
