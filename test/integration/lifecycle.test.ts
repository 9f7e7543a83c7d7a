// Starting and stopping: random ports, servers side by side, idempotent close.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../signaling/server.js';
import { request } from './support/http.js';
import { startTestServer, stopServers, tempDir } from './support/server.js';
import { connectHost, createLink } from './support/socket.js';

afterEach(stopServers);

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('server lifecycle', () => {
  it('runs two servers side by side on port 0 with their own data dirs', async () => {
    const a = await startTestServer();
    const b = await startTestServer();
    expect(a.port).not.toBe(b.port);
    expect(a.url).toBe(`http://127.0.0.1:${a.port}`);
    await connectHost(a);
    expect((await request(a, '/healthz')).body.sessions).toBe(1);
    expect((await request(b, '/healthz')).body.sessions).toBe(0);
  });

  it('closes sockets with 1001 and frees the port; close is idempotent', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await server.close();
    expect((await host.socket.waitClosed()).code).toBe(1001);
    expect(await canConnect(server.port)).toBe(false);
    expect(server.logs).toContain('stopped');
  });

  it('uses CWMN_PUBLIC_URL as the base of invite links and as an own origin', async () => {
    const server = await startTestServer({ publicUrl: 'https://cobrowse.example/base', allowedOrigins: ['https://shop.example'] });
    expect(server.url).toBe('https://cobrowse.example/base');
    const host = await connectHost(server); // Its sockets send the public origin: allowed as the server's own.
    expect(await createLink(host.socket)).toMatch(/^https:\/\/cobrowse\.example\/base\/s\/[A-Za-z0-9_-]{32}$/);
  });

  it('rejects when the port is taken, leaving nothing running', async () => {
    const a = await startTestServer();
    await expect(startServer({ ...a.config, port: a.port, dataDir: tempDir(), log: () => {} })).rejects.toThrow(/EADDRINUSE/);
  });
});
