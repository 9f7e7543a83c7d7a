// The host grace: a session whose host socket closed (navigation, reload, lost
// network) waits for a `host-hello`; guests are told nothing meanwhile. A host
// that does not come back in time ends the session for everyone.

import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createSession, request } from './support/http.js';
import { hostWithGuest, sayHello, sleep } from './support/continuity.js';
import { startTestServer, stopServers } from './support/server.js';
import { storedSession } from './support/state.js';

afterEach(stopServers);

describe('host grace', () => {
  it('keeps the session when the host comes back within the grace; guests notice nothing', async () => {
    const server = await startTestServer({ hostGraceSeconds: 1 });
    const { host, guest, credentials } = await hostWithGuest(server);
    host.socket.close();
    await host.socket.waitClosed();
    await sleep(200);
    const back = await sayHello(server, host.sessionId, host.hostToken);
    const welcome = await back.expect('welcome');
    expect(welcome.guests.map((g) => g.id)).toEqual([credentials.guestId]);

    await sleep(1000); // Past the grace the first socket started: it was cancelled.
    expect((await storedSession(server, host.sessionId))?.endedAt).toBeNull();
    expect(guest.pending).toEqual([]);
    expect(guest.ws.readyState).toBe(WebSocket.OPEN);
    expect(back.pending).toEqual([]);
    back.send({ type: 'signal', to: credentials.guestId, data: { candidate: null } });
    expect((await guest.expect('signal')).type).toBe('signal');
  });

  it('ends the session when the host does not come back: guests get session-ended', async () => {
    const server = await startTestServer({ hostGraceSeconds: 0.4 });
    const { host, guest } = await hostWithGuest(server);
    host.socket.close();
    await host.socket.waitClosed();
    const closedAt = Date.now();
    await sleep(200);
    expect(guest.pending).toEqual([]); // Nothing during the grace.

    expect(await guest.expect('session-ended', 3000)).toEqual({ type: 'session-ended', reason: 'host-ended' });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(350);
    expect((await guest.waitClosed()).code).toBe(1000);
    expect((await storedSession(server, host.sessionId))).toMatchObject({ endReason: 'host-ended', endedAt: expect.any(Number) });
    expect(server.logs.some((l) => l.startsWith(`no host in ${host.sessionId} within the grace of 0.4 s`))).toBe(true);
    expect((await request(server, '/healthz')).body.sessions).toBe(0);

    const late = await sayHello(server, host.sessionId, host.hostToken);
    expect((await late.expect('error')).error.code).toBe('ERR_SESSION_ENDED');
  });

  it('ends a session whose page never connects after the grace, and keeps one whose page does', async () => {
    const server = await startTestServer({ hostGraceSeconds: 0.4 });
    const abandoned = await createSession(server);
    const kept = await createSession(server);
    await sleep(200);
    await (await sayHello(server, kept.session.sessionId, kept.hostToken)).expect('welcome');
    await sleep(500);
    expect((await storedSession(server, abandoned.session.sessionId))).toMatchObject({ endReason: 'host-ended', endedAt: expect.any(Number) });
    expect((await storedSession(server, kept.session.sessionId))?.endedAt).toBeNull();
    expect((await request(server, '/healthz')).body.sessions).toBe(1);
  });

  it('starts no grace when a newer host socket replaced the old one', async () => {
    const server = await startTestServer({ hostGraceSeconds: 0.3 });
    const { host, guest } = await hostWithGuest(server);
    const newer = await sayHello(server, host.sessionId, host.hostToken);
    await newer.expect('welcome');
    expect((await host.socket.waitClosed()).code).toBe(4000);
    await sleep(600);
    expect((await storedSession(server, host.sessionId))?.endedAt).toBeNull();
    expect(guest.pending).toEqual([]);
  });
});
