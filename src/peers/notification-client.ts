import type { OrderId, UserId } from '../domain/ids.js';
import {
  createPeerHttp,
  isClientError,
  type CallContext,
  type PeerClientOptions,
} from './peer-http.js';

export type NotificationRequest = {
  userId: UserId;
  orderId: OrderId;
  type: string;
  data: Record<string, unknown>;
  idempotencyKey: string;
};

/**
 * `unknown`: the outbox keeps the notification and sends it again with the same key
 * (peer-services.md: delivered at least once, never lost).
 */
export type NotificationResult =
  { kind: 'delivered' } | { kind: 'rejected'; status: number } | { kind: 'unknown' };

export type NotificationClient = ReturnType<typeof createNotificationClient>;

export function createNotificationClient(options: PeerClientOptions) {
  const http = createPeerHttp({ ...options, name: 'notification' });

  async function notify(
    request: NotificationRequest,
    ctx: CallContext,
  ): Promise<NotificationResult> {
    const { userId, orderId, type, data, idempotencyKey } = request;
    const response = await http.send(
      {
        operation: 'notify',
        method: 'POST',
        path: '/api/notifications',
        body: { userId, orderId, type, data },
        idempotencyKey,
      },
      ctx,
    );
    if (response.kind === 'no-answer') return { kind: 'unknown' };
    // peer-services.md: any 2xx; the body is not part of the contract, so it is not read.
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    if (isClientError(response.status)) return { kind: 'rejected', status: response.status };
    return { kind: 'unknown' };
  }

  return { notify };
}
