import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { createNotificationService } from '../sandbox/notification-service.js';
import { createPaymentService } from '../sandbox/payment-service.js';
import { createProductService } from '../sandbox/product-service.js';
import type { FaultRule, PeerName } from './chaos-plan.js';

/**
 * The sandbox's three peers in the runner's process, like sandbox/start-sandbox.ts, but each one
 * can be taken down — its listener closed, every open connection cut, so calls are refused — and
 * brought back on the same port with its ledgers, as a restarted real peer keeps its database.
 */
export type ChaosPeers = {
  urls: Record<PeerName, string>;
  /** Adds one fault rule through the control API (sandbox/README.md); false if it is down. */
  addFault(rule: FaultRule): Promise<boolean>;
  clearFaults(): Promise<void>;
  takeDown(peer: PeerName): Promise<void>;
  bringUp(peer: PeerName): Promise<void>;
  close(): Promise<void>;
};

type Peer = { app: Express; dispose(): void; port: number; server: Server | undefined };

const host = '127.0.0.1';

export async function startChaosPeers(): Promise<ChaosPeers> {
  const peers: Record<PeerName, Peer> = {
    product: { ...createProductService(), port: 0, server: undefined },
    payment: { ...createPaymentService(), port: 0, server: undefined },
    notification: { ...createNotificationService(), port: 0, server: undefined },
  };
  const names = ['product', 'payment', 'notification'] as const;
  for (const name of names) await listen(peers[name]);
  const urlOf = (name: PeerName) => `http://${host}:${String(peers[name].port)}`;
  const urls = {
    product: urlOf('product'),
    payment: urlOf('payment'),
    notification: urlOf('notification'),
  };

  return {
    urls,
    addFault: async (rule) => {
      const peer = peerOf(rule.operation);
      if (peers[peer].server === undefined) return false;
      const response = await fetch(`${urls[peer]}/__sandbox/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(rule),
      });
      await response.arrayBuffer();
      if (response.status !== 201)
        throw new Error(`fault rule refused: ${String(response.status)}`);
      return true;
    },
    clearFaults: async () => {
      for (const name of names) {
        const response = await fetch(`${urls[name]}/__sandbox/faults`, { method: 'DELETE' });
        await response.arrayBuffer();
      }
    },
    takeDown: (peer) => shut(peers[peer]),
    bringUp: (peer) => listen(peers[peer]),
    close: async () => {
      for (const name of names) {
        peers[name].dispose();
        await shut(peers[name]);
      }
    },
  };
}

function peerOf(operation: FaultRule['operation']): PeerName {
  switch (operation) {
    case 'decreaseStock':
    case 'increaseStock':
      return 'product';
    case 'charge':
    case 'refund':
      return 'payment';
    case 'notify':
      return 'notification';
  }
}

/** Listens on the peer's port (a free one the first time); a no-op while it is up. */
async function listen(peer: Peer): Promise<void> {
  if (peer.server !== undefined) return;
  const server = createServer(peer.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(peer.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not a TCP address');
  peer.port = address.port;
  peer.server = server;
}

async function shut(peer: Peer): Promise<void> {
  const { server } = peer;
  if (server === undefined) return;
  peer.server = undefined;
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  server.closeAllConnections();
  await closed;
}
