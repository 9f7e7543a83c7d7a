// Ending sessions: by the host, and at the maximum length.

import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { request } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';
import {
  connectHost, createLink, hostRequest, joinAsGuest, openHostSocket,
} from './support/socket.js';

afterEach(stopServers);

describe('end-session', () => {
  it('ends the session for every guest, replies ok and closes all sockets normally', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const guests = [];
    for (let i = 0; i < 2; i++) {
      const guest = await joinAsGuest(server, await createLink(host.socket));
      await guest.expect('joined');
      await host.socket.expect('guest-joined');
      guests.push(guest);
    }
    expect((await request(server, '/healthz')).body.sessions).toBe(1);

    const reply = await hostRequest(host.socket, 'end-session');
    expect(reply.ok).toBe(true);
    for (const guest of guests) {
      expect(await guest.expect('session-ended')).toEqual({ type: 'session-ended', reason: 'host-ended' });
      expect((await guest.waitClosed()).code).toBe(1000);
    }
    expect((await host.socket.waitClosed()).code).toBe(1000);
    expect(host.socket.pending).toEqual([]); // No guest-left for guests closed by the end.
    expect((await request(server, '/healthz')).body.sessions).toBe(0);

    const again = await openHostSocket(server);
    again.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    expect((await again.expect('error')).error.code).toBe('ERR_SESSION_ENDED');
  });
});

describe('expiry', () => {
  it('ends the session at expiresAt with reason expired, for host and guest', async () => {
    const server = await startTestServer({ sessionMaxSeconds: 0.5 });
    const host = await connectHost(server);
    expect(host.welcome.session.expiresAt - host.welcome.session.startedAt).toBe(500);
    const guest = await joinAsGuest(server, await createLink(host.socket));
    await guest.expect('joined');
    await host.socket.expect('guest-joined');

    expect(await host.socket.expect('session-ended', 2000)).toEqual({ type: 'session-ended', reason: 'expired' });
    expect(await guest.expect('session-ended', 2000)).toEqual({ type: 'session-ended', reason: 'expired' });
    const ended = Date.now();
    expect(ended - host.welcome.session.expiresAt).toBeLessThan(1000);
    expect((await guest.waitClosed()).code).toBe(1000);
    expect((await host.socket.waitClosed()).code).toBe(1000);
    expect(server.logs).toContain(`session ${host.sessionId} ended (expired)`);

    const again = await openHostSocket(server);
    again.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    const error = await again.expect('error');
    expect(error.error.code).toBe('ERR_SESSION_ENDED');
    expect(error.error.message).toMatch(/maximum length/);
  });

  it('reports the maximum length in /api/domain', async () => {
    const server = await startTestServer({ sessionMaxSeconds: 3600 });
    const res = await request(server, '/api/domain', { headers: { Origin: 'https://shop.example' } });
    expect(res.body.settings).toEqual({ sessionMaxSeconds: 3600, maskSelectors: [], blockSelectors: [], maxGuests: null, siteOrigins: [] });
  });
});
