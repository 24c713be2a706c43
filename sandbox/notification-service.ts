import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { z } from 'zod';
import { parseInput } from './bad-request.js';
import { idSchema, idTextSchema, orderIdOf } from './ids.js';
import { handleOperation } from './operation-handler.js';
import { createPeerApp } from './peer-app.js';
import type { PeerContext, PeerOptions } from './peer-app.js';

/** peer-services.md, Notification Service. */
export const notificationTypes = [
  'order.created',
  'order.paid',
  'order.failed',
  'order.cancelled',
  'order.status_changed',
] as const;

export type Notification = {
  id: string;
  userId: number;
  orderId: number;
  type: (typeof notificationTypes)[number];
  data: Record<string, unknown>;
  idempotencyKey: string | null;
  at: string;
};

export type NotificationServiceState = { notifications: Notification[] };

export type NotificationService = {
  app: Express;
  state: NotificationServiceState;
  dispose: () => void;
};

const notificationBody = z
  .object({
    userId: idSchema,
    orderId: idSchema,
    type: z.enum(notificationTypes),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();
const notificationsQuery = z
  .object({ orderId: idTextSchema.optional(), type: z.enum(notificationTypes).optional() })
  .strict();

export function createNotificationService(options: PeerOptions = {}): NotificationService {
  const state: NotificationServiceState = { notifications: [] };

  function routes(app: Express, context: PeerContext): void {
    app.post(
      '/api/notifications',
      handleOperation(context, {
        operation: 'notify',
        identify: (req) => ({ productId: undefined, orderId: orderIdOf(req.body) }),
        parse: (req) => parseInput(notificationBody, req.body),
        apply: (input, idempotencyKey) => {
          const notification: Notification = {
            id: `ntf_${randomBytes(8).toString('hex')}`,
            ...input,
            idempotencyKey: idempotencyKey ?? null,
            at: new Date().toISOString(),
          };
          state.notifications.push(notification);
          return { status: 202, body: { id: notification.id, status: 'queued' } };
        },
      }),
    );

    app.get('/__sandbox/notifications', (req, res) => {
      const filter = parseInput(notificationsQuery, req.query);
      const data = state.notifications.filter(
        (notification) =>
          (filter.orderId === undefined || notification.orderId === filter.orderId) &&
          (filter.type === undefined || notification.type === filter.type),
      );
      res.json({ data });
    });
  }

  const peer = createPeerApp({ name: 'notification', operations: ['notify'], options, routes });
  return { app: peer.app, state, dispose: peer.dispose };
}
