// A TCP load balancer in front of several servers, as an operator puts one:
// each new connection goes to the next server round-robin, skipping servers
// that refuse it. Bytes are passed on untouched (HTTP, WebSocket, TLS alike).

import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TestBalancer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops taking connections and drops the open ones. Idempotent. */
  close(): Promise<void>;
}

/** Balances over the loopback ports `backends()` gives at the time of each connection. */
export async function startBalancer(backends: () => number[]): Promise<TestBalancer> {
  let next = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const ports = backends();
    const start = next++;
    const attempt = (tried: number) => {
      if (tried >= ports.length) {
        client.destroy();
        return;
      }
      const upstream = net.connect(ports[(start + tried) % ports.length]!, '127.0.0.1');
      upstream.once('error', () => attempt(tried + 1));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        open.add(upstream);
        upstream.on('close', () => { open.delete(upstream); client.destroy(); });
        upstream.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => (closing ??= new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy();
      server.close(() => resolve());
    })),
  };
}
