// What hosts and guests are given for their peer connections: the built-in
// STUN server under the name they reached the server by, TURN credentials
// minted for each of them that end with their session, or CWMN_ICE_SERVERS
// exactly as written.

import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { hostWithGuest, resumeAsGuest } from './support/continuity.js';
import { createSession } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';
import { connectHost, createLink, hostRequest, joinAsGuest, openHostSocket } from './support/socket.js';

afterEach(stopServers);

const TURN = { urls: ['turn:turn.example.com:3478?transport=tcp', 'turns:turn.example.com:5349'], secret: 'coturn-static-auth-secret-for-tests' };

describe('ICE servers given to hosts and guests', () => {
  it('is the built-in STUN server on its bound port, under the name the client used', async () => {
    const server = await startTestServer();
    const { host, guest, credentials } = await hostWithGuest(server);
    expect(host.welcome.iceServers).toEqual([{ urls: `stun:127.0.0.1:${server.stunPort}` }]);
    guest.close();
    await guest.waitClosed();
    const resumed = await resumeAsGuest(server, credentials);
    // Its own server's STUN (the second one's, with two servers).
    expect((await resumed.expect('joined')).iceServers).toEqual([{ urls: `stun:127.0.0.1:${server.guestStunPort}` }]);

    // A host that reached the server under another name (a proxy, a DNS name) is sent to that name.
    const { session, hostToken } = await createSession(server);
    const named = await openHostSocket(server, undefined, { headers: { Origin: server.origin, Host: 'CoBrowse.example.org:443' } });
    named.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
    expect((await named.expect('welcome')).iceServers).toEqual([{ urls: `stun:cobrowse.example.org:${server.stunPort}` }]);
  });

  it('falls back to CWMN_PUBLIC_URL\'s host name when the Host header is not a host name', async () => {
    const server = await startTestServer({ publicUrl: 'https://cwmn.example.net', allowedOrigins: [] });
    const { session, hostToken } = await createSession(server);
    const host = await openHostSocket(server, undefined, { headers: { Origin: server.origin, Host: 'evil.example/?x=' } });
    host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
    expect((await host.expect('welcome')).iceServers).toEqual([{ urls: `stun:cwmn.example.net:${server.stunPort}` }]);
  });

  it('adds TURN with a credential per host and per guest that expires with the session', async () => {
    const server = await startTestServer({ turn: TURN });
    const { host, guest, credentials } = await hostWithGuest(server);
    const expiry = Math.floor(host.welcome.session.expiresAt / 1000);
    const verify = (entry: RTCIceServer | undefined, id: string) => {
      expect(entry?.urls).toEqual(TURN.urls);
      expect(entry?.username).toBe(`${expiry}:${id}`);
      expect(entry?.credential).toBe(createHmac('sha1', TURN.secret).update(entry!.username!).digest('base64'));
    };
    const [hostStun, hostTurn] = host.welcome.iceServers;
    expect(hostStun).toEqual({ urls: `stun:127.0.0.1:${server.stunPort}` });
    verify(hostTurn, host.sessionId);

    guest.close();
    await guest.waitClosed();
    const resumed = await resumeAsGuest(server, credentials);
    const joined = await resumed.expect('joined');
    expect(joined.iceServers[0]).toEqual({ urls: `stun:127.0.0.1:${server.guestStunPort}` });
    verify(joined.iceServers[1], credentials.guestId);

    const fresh = await joinAsGuest(server, await createLink(host.socket), 'Cy');
    const freshJoined = await fresh.expect('joined');
    verify(freshJoined.iceServers[1], freshJoined.guestId);
    expect(JSON.stringify(server.logs)).not.toContain(TURN.secret);
  });

  it('gives TURN alone when STUN is off', async () => {
    const server = await startTestServer({ turn: TURN, stunPort: null });
    const host = await connectHost(server);
    expect(host.welcome.iceServers).toHaveLength(1);
    expect(host.welcome.iceServers[0]?.urls).toEqual(TURN.urls);
  });

  it('hands out CWMN_ICE_SERVERS exactly as written, even [], with STUN still answering', async () => {
    const iceServers = [{ urls: 'stun:stun.example.com:3478' }, { urls: ['turn:t.example'], username: 'u', credential: 'p' }];
    const listed = await startTestServer({ iceServers, turn: TURN });
    expect((await connectHost(listed)).welcome.iceServers).toEqual(iceServers);
    expect(listed.stunPort).not.toBeNull();

    const none = await startTestServer({ iceServers: [] });
    const host = await connectHost(none);
    expect(host.welcome.iceServers).toEqual([]);
    const guest = await joinAsGuest(none, await createLink(host.socket));
    expect((await guest.expect('joined')).iceServers).toEqual([]);
  });

  it('is never given for an ended session: its host gets no welcome', async () => {
    const server = await startTestServer({ turn: TURN });
    const host = await connectHost(server);
    await hostRequest(host.socket, 'end-session');
    await host.socket.waitClosed();
    const again = await openHostSocket(server);
    again.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    expect((await again.expect('error')).error.code).toBe('ERR_SESSION_ENDED');
  });
});
