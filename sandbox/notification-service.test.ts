import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from './json-http.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './start-sandbox.js';

const anyText: unknown = expect.any(String);
const textMatching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

function notify(body: unknown, idempotencyKey: string) {
  return callJson('POST', `${sandbox.notificationUrl}/api/notifications`, {
    body,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

describe('POST /api/notifications', () => {
  it('queues a notification once per Idempotency-Key', async () => {
    const body = { userId: 42, orderId: 3001, type: 'order.paid', data: { totalAmount: '59.98' } };
    const key = `order-3001-notify-${randomUUID()}`;

    const first = await notify(body, key);
    const again = await notify(body, key);

    expect(first).toEqual({
      status: 202,
      body: { id: textMatching(/^ntf_[0-9a-f]+$/), status: 'queued' },
    });
    expect(again).toEqual(first);
    const { body: stored } = await callJson(
      'GET',
      `${sandbox.notificationUrl}/__sandbox/notifications?orderId=3001`,
    );
    expect(stored).toEqual({
      data: [
        {
          id: (first.body as { id: string }).id,
          ...body,
          idempotencyKey: key,
          at: anyText,
        },
      ],
    });
  });

  it('filters stored notifications by type', async () => {
    await notify({ userId: 1, orderId: 3002, type: 'order.created', data: {} }, randomUUID());
    await notify({ userId: 1, orderId: 3002, type: 'order.failed', data: {} }, randomUUID());

    const { body } = await callJson(
      'GET',
      `${sandbox.notificationUrl}/__sandbox/notifications?orderId=3002&type=order.failed`,
    );

    expect(body).toMatchObject({ data: [{ type: 'order.failed' }] });
    expect((body as { data: unknown[] }).data).toHaveLength(1);
  });

  it.each([
    { userId: 1, orderId: 3003, type: 'order.shipped', data: {} },
    { userId: 1, orderId: 3003, type: 'order.paid' },
    { userId: 1, orderId: 3003, type: 'order.paid', data: [] },
  ])('answers 400 for the body %j', async (body) => {
    const { status } = await notify(body, randomUUID());

    expect(status).toBe(400);
  });
});
