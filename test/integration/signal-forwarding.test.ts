// Signal forwarding: a host peer and a guest peer negotiate WebRTC through the
// server only, then exchange data peer-to-peer.

import { afterEach, describe, expect, it } from 'vitest';
import { Peer } from '../../src/peer/peer.js';
import { startTestServer, stopServers, type TestServer } from './support/server.js';
import { connectHost, createLink, hostRequest, joinAsGuest } from './support/socket.js';
import { NodePeerConnection, within, withRetries } from './support/webrtc.js';

const peers: Peer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await stopServers();
});

function newPeer(initiator: boolean, iceServers: RTCIceServer[]): Peer {
  const peer = new Peer({ initiator, iceServers, RTCPeerConnection: NodePeerConnection });
  peers.push(peer);
  return peer;
}

function once<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise(register);
}

/** A host and a guest of a new session, whose peers negotiate through the server only until both are open. */
async function connectThrough(server: TestServer): Promise<{ hostPeer: Peer; guestPeer: Peer; forwarded: { toGuest: number; toHost: number } }> {
  const host = await connectHost(server);
  const guest = await joinAsGuest(server, await createLink(host.socket), 'Bea');
  const joined = await guest.expect('joined');
  const { guest: record } = await host.socket.expect('guest-joined');
  expect(record.id).toBe(joined.guestId);

  const hostPeer = newPeer(true, host.welcome.iceServers);
  const guestPeer = newPeer(false, joined.iceServers);
  const forwarded = { toGuest: 0, toHost: 0 };
  hostPeer.on('signal', (data) => host.socket.send({ type: 'signal', to: record.id, data }));
  guestPeer.on('signal', (data) => guest.send({ type: 'signal', data }));
  host.socket.ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type !== 'signal') return;
    expect(m.from).toBe(record.id);
    forwarded.toHost++;
    void hostPeer.handleSignal(m.data);
  });
  guest.ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type !== 'signal') return;
    forwarded.toGuest++;
    void guestPeer.handleSignal(m.data);
  });
  try {
    await within(Promise.all([
      once<void>((resolve) => hostPeer.on('open', resolve)),
      once<void>((resolve) => guestPeer.on('open', resolve)),
    ]), 'the host and guest peers');
  } catch (err) {
    hostPeer.close();
    guestPeer.close();
    host.socket.ws.close();
    guest.ws.close();
    throw err;
  }
  return { hostPeer, guestPeer, forwarded };
}

describe('signal forwarding', () => {
  it('connects a host peer and a guest peer through the server and carries data between them', async () => {
    const server = await startTestServer();
    const { hostPeer, guestPeer, forwarded } = await withRetries('signal forwarding', () => connectThrough(server));
    expect(forwarded.toGuest).toBeGreaterThan(0); // At least the offer.
    expect(forwarded.toHost).toBeGreaterThan(0); // At least the answer.

    const pointer = once<string>((resolve) => hostPeer.on('pointer', resolve));
    guestPeer.sendPointer(JSON.stringify({ t: 'pointer', x: 10, y: 20 }));
    expect(JSON.parse(await pointer)).toEqual({ t: 'pointer', x: 10, y: 20 });

    const frame = once<Uint8Array>((resolve) => guestPeer.on('dom', resolve));
    hostPeer.sendDom(new Uint8Array([1, 2, 3, 4]));
    expect([...(await frame)]).toEqual([1, 2, 3, 4]);
  });

  it('drops a signal to someone who is not a guest of the session, keeping the host socket', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const other = await connectHost(server);
    const guest = await joinAsGuest(server, await createLink(other.socket));
    const { guestId } = await guest.expect('joined');

    // A guest of another session, and an id nobody has.
    host.socket.send({ type: 'signal', to: guestId, data: { candidate: null } });
    host.socket.send({ type: 'signal', to: 'nobody-here', data: { candidate: null } });
    expect((await hostRequest(host.socket, 'create-link')).ok).toBe(true);
    expect(host.socket.pending).toEqual([]);
    await expect(guest.next(200)).rejects.toThrow(/Timed out/);
  });

  it('drops guest signals while the host is away', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const guest = await joinAsGuest(server, await createLink(host.socket));
    await guest.expect('joined');
    host.socket.close();
    await host.socket.waitClosed();
    guest.send({ type: 'signal', data: { candidate: null } });
    guest.send({ type: 'signal', data: { description: { type: 'answer', sdp: 'v=0' } } });
    // Still connected and accepted: no error came back.
    await expect(guest.next(200)).rejects.toThrow(/Timed out/);
    expect(guest.ws.readyState).toBe(guest.ws.OPEN);
  });
});
