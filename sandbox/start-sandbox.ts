import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { createNotificationService } from './notification-service.js';
import { createPaymentService } from './payment-service.js';
import { createProductService } from './product-service.js';

export type SandboxOptions = {
  host?: string;
  productPort?: number;
  paymentPort?: number;
  notificationPort?: number;
  log?: (line: string) => void;
};

export type Sandbox = {
  productUrl: string;
  paymentUrl: string;
  notificationUrl: string;
  /** Closes promptly: hung requests and keep-alive sockets are cut, latency faults abandoned. */
  close(): Promise<void>;
};

type Running = { url: string; close(): Promise<void> };

/** Starts the three fake peers, each on its own port (0, the default, picks a free one). */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const peerOptions = options.log ? { log: options.log } : {};
  const services = [
    { ...createProductService(peerOptions), port: options.productPort ?? 0 },
    { ...createPaymentService(peerOptions), port: options.paymentPort ?? 0 },
    { ...createNotificationService(peerOptions), port: options.notificationPort ?? 0 },
  ];

  const running: Running[] = [];
  try {
    for (const service of services) {
      running.push(await listen(service.app, host, service.port, service.dispose));
    }
  } catch (error) {
    await Promise.all(running.map((started) => started.close()));
    for (const service of services) service.dispose();
    throw error;
  }

  const [product, payment, notification] = running;
  if (!product || !payment || !notification) throw new Error('sandbox did not start');
  let closing: Promise<void> | undefined;
  return {
    productUrl: product.url,
    paymentUrl: payment.url,
    notificationUrl: notification.url,
    close: () => {
      closing ??= Promise.all(running.map((started) => started.close())).then(() => undefined);
      return closing;
    },
  };
}

async function listen(app: Express, host: string, port: number, dispose: () => void) {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not a TCP address');
  const urlHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${String(address.port)}`,
    close: () => closeServer(server, dispose),
  };
}

async function closeServer(server: Server, dispose: () => void): Promise<void> {
  dispose();
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => {
      if (error) reject(error);
      else resolve();
    });
  });
  server.closeAllConnections();
  await closed;
}
