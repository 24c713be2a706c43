import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type TcpProxy = {
  /** 127.0.0.1:<port>, the proxy's own address. */
  host: string;
  port: number;
  /** Destroys every open connection and every new one, as a broker that is down. */
  cut(): void;
  /** Accepts and forwards again. */
  restore(): void;
  /** Connections accepted and forwarded so far. */
  forwarded(): number;
  /** Connections destroyed on arrival while cut. */
  refused(): number;
  close(): Promise<void>;
};

/**
 * A TCP proxy of the test's own in front of a shared server (the machine's RabbitMQ), so one test
 * can take "the broker" away from its service without stopping it for the other test files.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let isCut = false;
  let forwarded = 0;
  let refused = 0;
  const server = net.createServer((client) => {
    if (isCut) {
      refused += 1;
      client.destroy();
      return;
    }
    forwarded += 1;
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      // Either side failing ends both: the other end sees the connection drop.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const destroyAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    host: '127.0.0.1',
    port,
    cut() {
      isCut = true;
      destroyAll();
    },
    restore() {
      isCut = false;
    },
    forwarded: () => forwarded,
    refused: () => refused,
    async close() {
      destroyAll();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
