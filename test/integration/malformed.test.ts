// Hostile or broken input on the socket: the offender is told and closed;
// the server keeps serving everyone else.

import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SIGNALING_MESSAGE_BYTES, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { request } from './support/http.js';
import { startTestServer, stopServers, type TestServer } from './support/server.js';
import {
  connectHost, createLink, joinAsGuest, openHostSocket, openSocket, type HostSocket,
} from './support/socket.js';

afterEach(stopServers);

async function expectHealthy(server: TestServer): Promise<void> {
  const res = await request(server, '/healthz');
  expect(res.status).toBe(200);
  expect(res.body.ok).toBe(true);
}

async function expectProtocolError(socket: HostSocket, closeCode = 1008): Promise<string> {
  const error = await socket.expect('error');
  expect(error.error.code).toBe('ERR_PROTOCOL');
  expect((await socket.waitClosed()).code).toBe(closeCode);
  return error.error.message;
}

describe('first message', () => {
  const cases: [string, string][] = [
    ['non-JSON', 'hello?'],
    ['a JSON array', '[1,2]'],
    ['an unknown type', JSON.stringify({ type: 'take-over' })],
    ['a host-hello with missing fields', JSON.stringify({ type: 'host-hello', v: PROTOCOL_VERSION })],
    ['a host-hello of another protocol version', JSON.stringify({ type: 'host-hello', v: 99, sessionId: 'abcdefgh', hostToken: 'A'.repeat(32) })],
    ['a guest-join with a non-string name', JSON.stringify({ type: 'guest-join', v: PROTOCOL_VERSION, token: 'A'.repeat(32), name: 7 })],
    ['a signal before any introduction', JSON.stringify({ type: 'signal', data: { candidate: null } })],
  ];
  for (const [what, raw] of cases) {
    it(`answers ${what} with ERR_PROTOCOL and closes 1008`, async () => {
      const server = await startTestServer();
      const socket = await openHostSocket(server);
      socket.send(raw);
      await expectProtocolError(socket);
      await expectHealthy(server);
    });
  }

  it('closes a socket that does not introduce itself in time', async () => {
    const server = await startTestServer({ helloTimeoutMs: 100 });
    const socket = await openHostSocket(server);
    const message = await expectProtocolError(socket);
    expect(message).toMatch(/within 100 ms/);
  });
});

describe('after the introduction', () => {
  it('answers a malformed signal with ERR_PROTOCOL and closes the host socket', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    host.socket.send({ type: 'signal', to: 'abcdefgh', data: { description: { type: 'offer' } } });
    await expectProtocolError(host.socket);
    await expectHealthy(server);
  });

  it('refuses a second host-hello on the same socket', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    host.socket.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    await expectProtocolError(host.socket);
  });

  it('refuses host messages from a guest', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const guest = await joinAsGuest(server, await createLink(host.socket));
    await guest.expect('joined');
    guest.send({ type: 'end-session', rid: 1 });
    expect((await guest.expect('error')).error.code).toBe('ERR_PROTOCOL');
    expect((await guest.waitClosed()).code).toBe(1008);
    expect((await host.socket.expect('guest-joined')).type).toBe('guest-joined');
    expect((await host.socket.expect('guest-left')).type).toBe('guest-left'); // The session goes on.
  });
});

describe('frames and rates', () => {
  it('refuses a binary frame with ERR_PROTOCOL and closes 1003', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    host.socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await expectProtocolError(host.socket, 1003);
    await expectHealthy(server);
  });

  it('closes a socket sending a message over 64 KiB with 1009', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const sdp = 'a'.repeat(MAX_SIGNALING_MESSAGE_BYTES);
    host.socket.send({ type: 'signal', to: 'abcdefgh', data: { description: { type: 'offer', sdp } } });
    expect((await host.socket.waitClosed()).code).toBe(1009);
    await expectHealthy(server);
    // Others are unaffected: a new host can still connect.
    await connectHost(server);
  });

  it('closes a socket flooding messages with ERR_RATE_LIMITED', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    for (let i = 0; i < 400; i++) host.socket.send({ type: 'signal', to: 'nobody-here', data: { candidate: null } });
    const error = await host.socket.expect('error');
    expect(error.error.code).toBe('ERR_RATE_LIMITED');
    expect((await host.socket.waitClosed()).code).toBe(1008);
    await expectHealthy(server);
  });

  it('refuses upgrades on other paths', async () => {
    const server = await startTestServer();
    const ws = new WebSocket(server.wsUrl.replace(/\/ws$/, '/other'));
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
    ws.on('error', () => {});
    ws.terminate();
  });
});

describe('liveness', () => {
  it('terminates a socket that stops answering pings, and cleans up its guest', async () => {
    const server = await startTestServer({ pingIntervalMs: 50, guestGraceSeconds: 0.2 });
    const host = await connectHost(server);
    const url = await createLink(host.socket);
    const raw = await openSocket(server, server.origin, { autoPong: false });
    raw.send(JSON.stringify({ type: 'guest-join', v: PROTOCOL_VERSION, token: new URL(url).pathname.split('/').pop(), name: '' }));
    const { guest } = await host.socket.expect('guest-joined');
    const left = await host.socket.expect('guest-left', 2000);
    expect(left.guestId).toBe(guest.id);
    const code = await new Promise<number>((resolve) => {
      if (raw.readyState === WebSocket.CLOSED) resolve(1006);
      else raw.once('close', (c) => resolve(c));
    });
    expect(code).toBe(1006); // Terminated, no closing handshake.
    // The host, which answers pings, is still there after several intervals.
    expect(host.socket.ws.readyState).toBe(WebSocket.OPEN);
  });
});
