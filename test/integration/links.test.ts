// One-time invite links: spent once, over the socket, with a readable refusal otherwise.

import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { request } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';
import { readState } from './support/state.js';
import {
  connectHost, createLink, hostRequest, joinAsGuest, openGuestSocket,
} from './support/socket.js';

afterEach(stopServers);

describe('invite links', () => {
  it('admits only the first guest: a second join with the same token gets ERR_LINK_USED', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const url = await createLink(host.socket);
    const first = await joinAsGuest(server, url, 'First');
    await first.expect('joined');
    await host.socket.expect('guest-joined');

    const second = await joinAsGuest(server, url, 'Second');
    const error = await second.expect('error');
    expect(error.error).toEqual({ code: 'ERR_LINK_USED', message: 'This link was already used' });
    expect((await second.waitClosed()).code).toBe(1000);

    // The host saw no second guest: the next thing it gets is the reply to a new request.
    const reply = await hostRequest(host.socket, 'create-link');
    expect(reply.ok).toBe(true);
    expect(host.socket.pending).toEqual([]);
  });

  it('admits one guest when many present the same link at the same time', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const url = await createLink(host.socket);
    const sockets = await Promise.all(Array.from({ length: 20 }, () => openGuestSocket(server)));
    for (const socket of sockets) socket.send({ type: 'guest-join', v: PROTOCOL_VERSION, token: url.split('/').pop()!, name: '' });
    const answers = await Promise.all(sockets.map((socket) => socket.next().then((m) => m.type)));
    expect(answers.filter((t) => t === 'joined')).toHaveLength(1);
    expect(answers.filter((t) => t === 'error')).toHaveLength(19);
    await host.socket.expect('guest-joined');
    const stored = (await readState(server));
    expect(stored.guests).toHaveLength(1);
    expect(stored.sessions[0]?.guestSeq).toBe(1);
  });

  it('refuses an unknown token with ERR_LINK_INVALID', async () => {
    const server = await startTestServer();
    await connectHost(server);
    const guest = await openGuestSocket(server);
    guest.send({ type: 'guest-join', v: PROTOCOL_VERSION, token: 'x'.repeat(32), name: '' });
    expect((await guest.expect('error')).error.code).toBe('ERR_LINK_INVALID');
    expect((await guest.waitClosed()).code).toBe(1000);
  });

  it('refuses a malformed token with ERR_LINK_INVALID', async () => {
    const server = await startTestServer();
    const guest = await openGuestSocket(server);
    guest.send({ type: 'guest-join', v: PROTOCOL_VERSION, token: '../../etc/passwd', name: '' });
    expect((await guest.expect('error')).error.code).toBe('ERR_LINK_INVALID');
  });

  it('refuses an expired link with ERR_LINK_EXPIRED', async () => {
    const server = await startTestServer({ linkTtlSeconds: 0.05 });
    const host = await connectHost(server);
    const url = await createLink(host.socket);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const guest = await joinAsGuest(server, url);
    expect((await guest.expect('error')).error).toEqual({ code: 'ERR_LINK_EXPIRED', message: 'This link has expired' });
    expect((await guest.waitClosed()).code).toBe(1000);
  });

  it('refuses a link of an ended session with ERR_SESSION_ENDED', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const url = await createLink(host.socket);
    await hostRequest(host.socket, 'end-session');
    const guest = await joinAsGuest(server, url);
    expect((await guest.expect('error')).error).toEqual({ code: 'ERR_SESSION_ENDED', message: 'The host ended the session' });
  });

  it('does not look up or spend the token when the invite page is fetched', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const url = await createLink(host.socket);
    await request(server, new URL(url).pathname); // What a mail scanner does.
    await request(server, new URL(url).pathname);
    const guest = await joinAsGuest(server, url);
    expect((await guest.expect('joined')).sessionId).toBe(host.sessionId);
  });
});
