// A server restart mid-session loses nothing: the host says hello again and
// finds its guests, each guest resumes with its token. Whoever does not come
// back within their grace after the start is let go, as if their socket had
// just closed.

import { afterEach, describe, expect, it } from 'vitest';
import { postJson, request } from './support/http.js';
import { hostWithGuest, resumeAsGuest, sayHello, sleep } from './support/continuity.js';
import { startTestServer, stopServers, tempDir } from './support/server.js';
import { storedSession, storedStateText } from './support/state.js';

afterEach(stopServers);

describe('restart mid-session', () => {
  it('lets the host say hello again (welcome lists the guests) and the guest resume with its token', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const { host, guest, credentials } = await hostWithGuest(first);
    await first.close();
    await Promise.all([host.socket.waitClosed(), guest.waitClosed()]);
    const state = (await storedStateText(dataDir));
    expect(state).toContain(credentials.guestId);
    expect(state).not.toContain(credentials.resumeToken);
    expect(state).not.toContain(host.hostToken);

    const second = await startTestServer({ dataDir });
    const back = await sayHello(second, host.sessionId, host.hostToken);
    const welcome = await back.expect('welcome');
    expect(welcome.guests).toEqual([{ id: credentials.guestId, name: 'Bea', joinedAt: expect.any(Number) }]);
    expect(welcome.session.guestCount).toBe(1);

    const resumed = await resumeAsGuest(second, credentials);
    expect(await resumed.expect('joined')).toMatchObject({ guestId: credentials.guestId, sessionId: host.sessionId });
    expect((await back.expect('guest-joined')).guest.id).toBe(credentials.guestId);
    back.send({ type: 'signal', to: credentials.guestId, data: { candidate: null } });
    expect((await resumed.expect('signal')).type).toBe('signal');
    resumed.send({ type: 'signal', data: { candidate: null } });
    expect((await back.expect('signal')).from).toBe(credentials.guestId);
  });

  it('lets go of a guest that does not resume within its grace after the start', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const { host, credentials } = await hostWithGuest(first);
    await first.close();

    const second = await startTestServer({ dataDir, guestGraceSeconds: 0.5 });
    const back = await sayHello(second, host.sessionId, host.hostToken);
    expect((await back.expect('welcome')).guests.map((g) => g.id)).toEqual([credentials.guestId]);
    expect((await back.expect('guest-left', 3000)).guestId).toBe(credentials.guestId);
    const late = await resumeAsGuest(second, credentials);
    expect((await late.expect('error')).error.code).toBe('ERR_NOT_FOUND');
  });

  it('ends a session whose host does not come back within the host grace after the start', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const { host, credentials } = await hostWithGuest(first);
    await first.close();

    const second = await startTestServer({ dataDir, hostGraceSeconds: 0.5, guestGraceSeconds: 5 });
    const resumed = await resumeAsGuest(second, credentials);
    await resumed.expect('joined');
    expect((await request(second, '/healthz')).body.sessions).toBe(1);
    expect(await resumed.expect('session-ended', 3000)).toEqual({ type: 'session-ended', reason: 'host-ended' });
    expect((await storedSession(second, host.sessionId))?.endReason).toBe('host-ended');
    expect((await request(second, '/healthz')).body.sessions).toBe(0);
  });

  it('lets nobody go while the server is stopping: a quick restart keeps everyone', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, hostGraceSeconds: 0.2, guestGraceSeconds: 0.2 });
    const { host, credentials } = await hostWithGuest(first);
    await first.close();
    await sleep(400); // Longer than both graces: they must not have run while stopping.
    const second = await startTestServer({ dataDir });
    const back = await sayHello(second, host.sessionId, host.hostToken);
    expect((await back.expect('welcome')).guests.map((g) => g.id)).toEqual([credentials.guestId]);
  });

  it('does not wait for the host of an invitation to host that nobody claimed yet', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const made = await postJson(first, '/api/ith', { hostName: 'Ann', url: 'https://shop.example/', ithJoinCode: true }, 'https://shop.example');
    expect(made.status).toBe(201);
    await first.close();

    const second = await startTestServer({ dataDir, hostGraceSeconds: 0.2 });
    await sleep(400);
    expect((await request(second, '/healthz')).body.sessions).toBe(1);
    const joined = await postJson(second, '/api/join', { code: made.body.joinCode });
    expect(joined.status).toBe(200);
  });
});
