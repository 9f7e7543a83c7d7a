// Removing a guest: it is told and closed at once, others stay, the host hears
// of it, the link it used stays spent, and the removal is stored.

import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, stopServers } from './support/server.js';
import {
  connectHost, createLink, joinAsGuest, requestOk, sendRequest,
} from './support/socket.js';
import { storedSession } from './support/state.js';

afterEach(stopServers);

describe('remove-guest', () => {
  it('ends the removed guest only; the host gets guest-left; the link stays spent', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const linkA = await createLink(host.socket);
    const a = await joinAsGuest(server, linkA, 'Bea');
    const b = await joinAsGuest(server, await createLink(host.socket), 'Cy');
    const { guestId: aId } = await a.expect('joined');
    const { guestId: bId } = await b.expect('joined');
    await host.socket.expect('guest-joined');
    await host.socket.expect('guest-joined');

    expect(await requestOk(host.socket, { type: 'remove-guest', guestId: aId })).toEqual({});
    expect(await a.expect('session-ended')).toEqual({ type: 'session-ended', reason: 'removed' });
    expect((await a.waitClosed()).code).toBe(1000);
    expect((await host.socket.expect('guest-left')).guestId).toBe(aId);
    expect((await storedSession(server, host.sessionId))?.removedGuestIds).toEqual([aId]);

    // The other guest stays and is still relayed.
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    b.send({ type: 'signal', data: { candidate: null } });
    expect((await host.socket.expect('signal')).from).toBe(bId);
    expect(b.pending).toEqual([]);

    const back = await joinAsGuest(server, linkA, 'Bea');
    expect((await back.expect('error')).error.code).toBe('ERR_LINK_USED');
    expect(host.socket.pending).toEqual([]); // No guest-joined, and exactly one guest-left.
  });

  it('answers ERR_NOT_FOUND for a guest that is not in the session, and keeps the socket', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const other = await connectHost(server, 'Cy');
    const stranger = await joinAsGuest(server, await createLink(other.socket));
    const { guestId: strangerId } = await stranger.expect('joined');

    for (const guestId of ['nosuchguest', strangerId]) {
      const reply = await sendRequest(host.socket, { type: 'remove-guest', guestId });
      expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_NOT_FOUND' } });
    }
    expect(stranger.ws.readyState).toBe(WebSocket.OPEN);
    expect(await requestOk(host.socket, { type: 'create-link' })).toMatchObject({ url: expect.any(String) });
  });
});
