// Admission of hosts and guests over the signaling socket.

import { afterEach, describe, expect, it } from 'vitest';
import { isId, isToken, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { createSession, request } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';
import {
  connectHost, createLink, joinAsGuest, openHostSocket, tokenOf,
} from './support/socket.js';

afterEach(stopServers);

describe('host admission', () => {
  it('welcomes the host of a session created over HTTP', async () => {
    const iceServers = [{ urls: 'stun:stun.example.com:3478' }];
    const server = await startTestServer({ iceServers });
    const { session, hostToken } = await createSession(server, 'Ada');
    expect(isId(session.sessionId)).toBe(true);
    expect(isToken(hostToken)).toBe(true);

    const host = await openHostSocket(server);
    host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
    const welcome = await host.expect('welcome');
    expect(welcome.session).toEqual(session);
    expect(welcome.guests).toEqual([]);
    expect(welcome.iceServers).toEqual(iceServers);
    expect(server.logs).toContain(`session ${session.sessionId} created`);
  });

  it('refuses a wrong host token with ERR_FORBIDDEN and closes with 1008', async () => {
    const server = await startTestServer();
    const { session } = await createSession(server);
    const host = await openHostSocket(server);
    host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken: 'A'.repeat(32) });
    const error = await host.expect('error');
    expect(error.error.code).toBe('ERR_FORBIDDEN');
    expect((await host.waitClosed()).code).toBe(1008);
  });

  it('refuses an unknown session with ERR_NOT_FOUND', async () => {
    const server = await startTestServer();
    const host = await openHostSocket(server);
    host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: 'nosuchsession', hostToken: 'A'.repeat(32) });
    expect((await host.expect('error')).error.code).toBe('ERR_NOT_FOUND');
    await host.waitClosed();
  });

  it('lets a second host socket replace the first (closed with 4000), listing current guests', async () => {
    const server = await startTestServer();
    const first = await connectHost(server);
    const guest = await joinAsGuest(server, await createLink(first.socket), 'Bea');
    const joined = await guest.expect('joined');
    await first.socket.expect('guest-joined');

    const second = await openHostSocket(server);
    second.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: first.sessionId, hostToken: first.hostToken });
    const welcome = await second.expect('welcome');
    expect(welcome.guests.map((g) => g.id)).toEqual([joined.guestId]);
    expect(welcome.session.guestCount).toBe(1);
    const closed = await first.socket.waitClosed();
    expect(closed).toEqual({ code: 4000, reason: 'replaced' });

    // The new socket is the host now: guest signals reach it.
    guest.send({ type: 'signal', data: { candidate: null } });
    const signal = await second.expect('signal');
    expect(signal.from).toBe(joined.guestId);
  });
});

describe('guest admission', () => {
  it('admits a guest with a link: joined for the guest, guest-joined for the host', async () => {
    const server = await startTestServer({ iceServers: [] });
    const host = await connectHost(server, 'Ada');
    const url = await createLink(host.socket);
    expect(url).toMatch(new RegExp(`^${server.url}/s/[A-Za-z0-9_-]{32}$`));
    expect(isToken(tokenOf(url))).toBe(true);

    const guest = await joinAsGuest(server, url, '  Bea\u0007 ');
    const joined = await guest.expect('joined');
    expect(joined.sessionId).toBe(host.sessionId);
    expect(joined.hostName).toBe('Ada');
    expect(joined.iceServers).toEqual([]);
    expect(isId(joined.guestId)).toBe(true);

    const announced = await host.socket.expect('guest-joined');
    expect(announced.guest.id).toBe(joined.guestId);
    expect(announced.guest.name).toBe('Bea');
    expect(Math.abs(announced.guest.joinedAt - Date.now())).toBeLessThan(5000);
  });

  it('names unnamed guests "Guest N" in join order', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const guest = await joinAsGuest(server, await createLink(host.socket), '   ');
      await guest.expect('joined');
      names.push((await host.socket.expect('guest-joined')).guest.name);
    }
    expect(names).toEqual(['Guest 1', 'Guest 2']);
  });

  it('tells the host when a guest leaves (once its grace ran out), and counts only guests still in', async () => {
    const server = await startTestServer({ guestGraceSeconds: 0.2 });
    const host = await connectHost(server);
    const guest = await joinAsGuest(server, await createLink(host.socket));
    const { guestId } = await guest.expect('joined');
    await host.socket.expect('guest-joined');

    guest.close();
    const left = await host.socket.expect('guest-left');
    expect(left.guestId).toBe(guestId);
    expect(server.logs).toContain(`guest ${guestId} left ${host.sessionId}`);

    // A reconnecting host sees nobody left in the room.
    const again = await openHostSocket(server);
    again.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    const welcome = await again.expect('welcome');
    expect(welcome.guests).toEqual([]);
    expect(welcome.session.guestCount).toBe(0);
  });

  it('keeps the session when the host socket closes: guests stay, the host can come back', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const guest = await joinAsGuest(server, await createLink(host.socket));
    const { guestId } = await guest.expect('joined');
    host.socket.close();
    await host.socket.waitClosed();

    const health = await request(server, '/healthz');
    expect(health.body).toEqual({ ok: true, sessions: 1 });
    const back = await openHostSocket(server);
    back.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    expect((await back.expect('welcome')).guests.map((g) => g.id)).toEqual([guestId]);
    expect(guest.pending).toEqual([]); // The guest was not told anything.
  });
});
