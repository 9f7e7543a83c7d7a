// The public link: one reusable link while enabled; disabling revokes it at
// once (guests already in stay); re-enabling issues a new link; it survives a
// restart and does not expire with the one-time link TTL.

import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type PublicLinkState } from '../../src/protocol/index.js';
import { startTestServer, stopServers, tempDir } from './support/server.js';
import {
  connectHost, joinAsGuest, openHostSocket, requestOk, type HostSocket,
} from './support/socket.js';
import { storedSession } from './support/state.js';

afterEach(stopServers);

function setPublicLink(host: HostSocket, enabled: boolean): Promise<PublicLinkState> {
  return requestOk<PublicLinkState>(host, { type: 'set-public-link', enabled });
}

describe('public link', () => {
  it('admits any number of guests while enabled; disabling refuses new ones and keeps those in; re-enabling gives a new link', async () => {
    const server = await startTestServer();
    const host = await connectHost(server, 'Ada');
    expect(host.welcome.publicLink).toEqual({ enabled: false, url: null });

    const on = await setPublicLink(host.socket, true);
    expect(on.enabled).toBe(true);
    expect(on.url).toMatch(new RegExp(`^${server.url}/s/[A-Za-z0-9_-]{32}$`));
    expect(await setPublicLink(host.socket, true)).toEqual(on); // Enabling again changes nothing.

    const first = await joinAsGuest(server, on.url!, 'Bea');
    const second = await joinAsGuest(server, on.url!, 'Cy');
    const [a, b] = [await first.expect('joined'), await second.expect('joined')];
    expect(a.guestId).not.toBe(b.guestId);
    expect((await host.socket.expect('guest-joined')).guest.name).toBe('Bea');
    expect((await host.socket.expect('guest-joined')).guest.name).toBe('Cy');

    expect(await setPublicLink(host.socket, false)).toEqual({ enabled: false, url: null });
    expect(await setPublicLink(host.socket, false)).toEqual({ enabled: false, url: null });
    const third = await joinAsGuest(server, on.url!, 'Dee');
    expect((await third.expect('error')).error).toEqual({ code: 'ERR_LINK_REVOKED', message: 'The host turned this link off.' });
    expect((await third.waitClosed()).code).toBe(1000);

    // The two stay: still connected, their signals still reach the host.
    first.send({ type: 'signal', data: { candidate: null } });
    second.send({ type: 'signal', data: { candidate: null } });
    expect((await host.socket.expect('signal')).from).toBe(a.guestId);
    expect((await host.socket.expect('signal')).from).toBe(b.guestId);
    expect(first.pending).toEqual([]);
    expect(second.pending).toEqual([]);

    const again = await setPublicLink(host.socket, true);
    expect(again.enabled).toBe(true);
    expect(again.url).not.toBe(on.url);
    const old = await joinAsGuest(server, on.url!);
    expect((await old.expect('error')).error.code).toBe('ERR_LINK_REVOKED');
    const fourth = await joinAsGuest(server, again.url!, 'Eve');
    expect((await fourth.expect('joined')).sessionId).toBe(host.sessionId);

    // A reconnecting host learns the current state in its welcome.
    const back = await openHostSocket(server);
    back.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    expect((await back.expect('welcome')).publicLink).toEqual(again);
  });

  it('does not expire with the one-time link TTL', async () => {
    const server = await startTestServer({ linkTtlSeconds: 0.05 });
    const host = await connectHost(server);
    const { url } = await setPublicLink(host.socket, true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await (await joinAsGuest(server, url!)).expect('joined')).sessionId).toBe(host.sessionId);
  });

  it('dies with its session', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const { url } = await setPublicLink(host.socket, true);
    await requestOk(host.socket, { type: 'end-session' });
    const guest = await joinAsGuest(server, url!);
    expect((await guest.expect('error')).error.code).toBe('ERR_SESSION_ENDED');
  });

  it('survives a restart: the welcome gives the same URL, and it still admits guests', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const host = await connectHost(first);
    const on = await setPublicLink(host.socket, true);
    // Shared on purpose, so kept in clear (every other token is stored hashed).
    expect((await storedSession(first, host.sessionId))?.publicLinkToken).toBe(on.url!.split('/s/')[1]);
    await first.close();

    const second = await startTestServer({ dataDir, port: first.port });
    const back = await openHostSocket(second);
    back.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    expect((await back.expect('welcome')).publicLink).toEqual(on);
    for (const name of ['Bea', 'Cy']) {
      expect((await (await joinAsGuest(second, on.url!, name)).expect('joined')).sessionId).toBe(host.sessionId);
    }
  });
});
