// Guests coming back: `guest-resume` with the token `joined` gave takes the
// same guest back within its grace; the host hears no departure, only the
// guest again. Wrong tokens, removed guests and ended sessions are refused.

import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { isToken } from '../../src/protocol/index.js';
import { hostWithGuest, resumeAsGuest, sayHello, sleep } from './support/continuity.js';
import { startTestServer, stopServers } from './support/server.js';
import { hostRequest, requestOk } from './support/socket.js';
import { readState } from './support/state.js';

afterEach(stopServers);

describe('guest-resume', () => {
  it('takes a guest back after its socket dropped: no guest-left, guest-joined again, signals flow', async () => {
    const server = await startTestServer({ guestGraceSeconds: 0.8 });
    const { host, guest, credentials } = await hostWithGuest(server);
    expect(isToken(credentials.resumeToken)).toBe(true);
    const before = host.welcome.session;

    guest.close();
    await guest.waitClosed();
    const back = await resumeAsGuest(server, credentials);
    const joined = await back.expect('joined');
    expect(joined).toMatchObject({ guestId: credentials.guestId, sessionId: before.sessionId, hostName: 'Ada' });
    expect(joined.resumeToken).toBeUndefined(); // The token it has stays good.
    const again = await host.socket.expect('guest-joined');
    expect(again.guest).toMatchObject({ id: credentials.guestId, name: 'Bea' });

    back.send({ type: 'signal', data: { candidate: null } });
    expect(await host.socket.expect('signal')).toMatchObject({ from: credentials.guestId });
    host.socket.send({ type: 'signal', to: credentials.guestId, data: { candidate: null } });
    expect(await back.expect('signal')).toEqual({ type: 'signal', data: { candidate: null } });

    await sleep(1100); // Past the grace of the dropped socket: it must not end the resumed guest.
    expect(host.socket.pending).toEqual([]);
    expect(back.ws.readyState).toBe(WebSocket.OPEN);
    expect(server.logs).toContain(`guest ${credentials.guestId} resumed in ${before.sessionId}`);

    // The same token works again (another reload).
    back.close();
    const third = await resumeAsGuest(server, credentials);
    expect((await third.expect('joined')).guestId).toBe(credentials.guestId);
  });

  it('replaces an older socket of the same guest (closed with 4000)', async () => {
    const server = await startTestServer();
    const { host, guest, credentials } = await hostWithGuest(server);
    const second = await resumeAsGuest(server, credentials);
    expect((await second.expect('joined')).guestId).toBe(credentials.guestId);
    expect((await guest.waitClosed()).code).toBe(4000);
    await host.socket.expect('guest-joined');
    await sleep(100);
    expect(host.socket.pending).toEqual([]); // The replaced socket announced no departure.
    host.socket.send({ type: 'signal', to: credentials.guestId, data: { candidate: null } });
    expect((await second.expect('signal')).type).toBe('signal');
  });

  it('refuses a wrong token (ERR_FORBIDDEN), an unknown guest (ERR_NOT_FOUND) and a foreign origin', async () => {
    const server = await startTestServer({ allowedOrigins: ['https://shop.example'] });
    const { host, credentials } = await hostWithGuest(server);
    const wrong = await resumeAsGuest(server, { ...credentials, resumeToken: 'x'.repeat(32) });
    expect((await wrong.expect('error')).error.code).toBe('ERR_FORBIDDEN');
    expect((await wrong.waitClosed()).code).toBe(1008);
    const unknown = await resumeAsGuest(server, { ...credentials, guestId: 'nosuchguest1' });
    expect((await unknown.expect('error')).error.code).toBe('ERR_NOT_FOUND');
    const foreign = await resumeAsGuest(server, credentials, 'https://evil.example');
    expect((await foreign.expect('error')).error.code).toBe('ERR_UNAUTHORIZED');
    expect(host.socket.pending).toEqual([]); // The real guest was never disturbed.
  });

  it('refuses a removed guest with ERR_LINK_REVOKED, whether it was connected or away', async () => {
    const server = await startTestServer({ guestGraceSeconds: 5 });
    const { host, guest, credentials } = await hostWithGuest(server);
    await requestOk(host.socket, { type: 'remove-guest', guestId: credentials.guestId });
    expect(await guest.expect('session-ended')).toEqual({ type: 'session-ended', reason: 'removed' });
    expect((await host.socket.expect('guest-left')).guestId).toBe(credentials.guestId);
    const back = await resumeAsGuest(server, credentials);
    expect((await back.expect('error')).error).toEqual({ code: 'ERR_LINK_REVOKED', message: 'You were removed from the session' });
    expect((await back.waitClosed()).code).toBe(1000);

    // A guest that is away (socket lost, within its grace) can be removed too.
    const other = await hostWithGuest(server, 'Cy');
    other.guest.close();
    await other.guest.waitClosed();
    await requestOk(other.host.socket, { type: 'remove-guest', guestId: other.credentials.guestId });
    expect((await other.host.socket.expect('guest-left')).guestId).toBe(other.credentials.guestId);
    const late = await resumeAsGuest(server, other.credentials);
    expect((await late.expect('error')).error.code).toBe('ERR_LINK_REVOKED');
    expect((await readState(server)).guests.find((g) => g.id === other.credentials.guestId)?.leftAt).not.toBeNull();
  });

  it('refuses after the session ended with ERR_SESSION_ENDED', async () => {
    const server = await startTestServer();
    const { host, guest, credentials } = await hostWithGuest(server);
    await hostRequest(host.socket, 'end-session');
    await guest.waitClosed();
    const back = await resumeAsGuest(server, credentials);
    expect((await back.expect('error')).error).toEqual({ code: 'ERR_SESSION_ENDED', message: 'The host ended the session' });
  });
});

describe('guest grace', () => {
  it('keeps an away guest in the session for the grace, then tells the host it left', async () => {
    const server = await startTestServer({ guestGraceSeconds: 0.5 });
    const { host, guest, credentials } = await hostWithGuest(server);
    guest.close();
    await guest.waitClosed();
    const closedAt = Date.now();

    // Still in the session while away: a host that reconnects now sees it, and the count includes it.
    const again = await sayHello(server, host.sessionId, host.hostToken);
    const welcome = await again.expect('welcome');
    expect(welcome.guests.map((g) => g.id)).toEqual([credentials.guestId]);
    expect(welcome.session.guestCount).toBe(1);
    // The host's signals to an away guest are dropped, not an error.
    again.send({ type: 'signal', to: credentials.guestId, data: { candidate: null } });

    const left = await again.expect('guest-left', 3000);
    expect(left.guestId).toBe(credentials.guestId);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(400);
    expect(server.logs).toContain(`guest ${credentials.guestId} left ${host.sessionId}`);
    expect((await readState(server)).guests.find((g) => g.id === credentials.guestId)?.leftAt).toEqual(expect.any(Number));

    const late = await resumeAsGuest(server, credentials);
    expect((await late.expect('error')).error.code).toBe('ERR_NOT_FOUND');
    const after = await sayHello(server, host.sessionId, host.hostToken);
    expect((await after.expect('welcome')).guests).toEqual([]);
  });

  it('lets a guest closed for breaking the protocol leave at once', async () => {
    const server = await startTestServer({ guestGraceSeconds: 30 });
    const { host, guest, credentials } = await hostWithGuest(server);
    guest.send({ type: 'end-session', rid: 1 });
    expect((await guest.expect('error')).error.code).toBe('ERR_PROTOCOL');
    expect((await host.socket.expect('guest-left', 2000)).guestId).toBe(credentials.guestId);
  });

  it('stores only the hash of the resume token', async () => {
    const server = await startTestServer();
    const { credentials } = await hostWithGuest(server);
    const state = (await readState(server));
    expect(JSON.stringify(state)).not.toContain(credentials.resumeToken);
    expect(state.guests).toEqual([expect.objectContaining({ id: credentials.guestId, name: 'Bea', leftAt: null })]);
  });
});
