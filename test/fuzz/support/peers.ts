// Real peers in Node for the fuzz (node-datachannel's polyfill): the host's
// GuestLink wired to a guest-side Peer, and the guest's GuestConnection wired,
// through a minimal stand-in signaling server, to a host-side Peer.

import { WebSocketServer } from 'ws';
import { GuestLink } from '../../../src/host/guest-link.js';
import { Peer } from '../../../src/peer/peer.js';
import type { SignalData } from '../../../src/protocol/index.js';
import { GuestConnection } from '../../../src/viewer/guest-connection.js';
import { NodePeerConnection, within, withRetries } from '../../integration/support/webrtc.js';
import { sleep } from './outcomes.js';

/** A real GuestLink (host side, the offering peer) connected to a guest-side Peer; their signals are relayed directly. */
export function connectGuestLink(): Promise<{ link: GuestLink; guest: Peer }> {
  return withRetries('GuestLink', async () => {
    const link = new GuestLink('guest01', {
      mode: 'off', direct: () => new Peer({ initiator: true, iceServers: [], RTCPeerConnection: NodePeerConnection }),
    });
    const guest = new Peer({ initiator: false, iceServers: [], RTCPeerConnection: NodePeerConnection });
    link.on('signal', (data) => void guest.handleSignal(data));
    link.start();
    guest.on('signal', (data) => link.handleSignal(data));
    try {
      await within(Promise.all([
        new Promise<void>((resolve) => link.on('open', () => resolve())),
        new Promise<void>((resolve) => guest.on('open', resolve)),
      ]), 'GuestLink and the guest peer');
    } catch (err) {
      link.destroy();
      guest.close();
      throw err;
    }
    return { link, guest };
  });
}

/** A real GuestConnection (the viewer's wires) joined through a stand-in server and connected to a host-side Peer. */
export function connectGuestConnection(): Promise<{ connection: GuestConnection; host: Peer; close(): Promise<void> }> {
  return withRetries('GuestConnection', connectGuestConnectionOnce);
}

async function connectGuestConnectionOnce(): Promise<{ connection: GuestConnection; host: Peer; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as { port: number };
  let host: Peer | undefined;
  let hostOpen!: () => void;
  const hostOpened = new Promise<void>((resolve) => { hostOpen = resolve; });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; data?: SignalData };
      if (m.type === 'guest-join') {
        ws.send(JSON.stringify({ type: 'joined', guestId: 'guest01', sessionId: 'session01', hostName: 'Ada', iceServers: [], relay: 'off' }));
        // The host offers once the guest is there: its first signal is the offer.
        host = new Peer({ initiator: true, iceServers: [], RTCPeerConnection: NodePeerConnection });
        host.on('signal', (d) => ws.send(JSON.stringify({ type: 'signal', data: d })));
        host.on('open', hostOpen);
      } else if (m.type === 'signal' && m.data) {
        void host?.handleSignal(m.data);
      }
    });
  });
  const connection = new GuestConnection({
    socketUrl: `ws://127.0.0.1:${port}/ws`, token: 'L'.repeat(32), name: 'Gina', RTCPeerConnection: NodePeerConnection,
  });
  const peerOpen = new Promise<void>((resolve) => connection.on('linkOpen', () => resolve()));
  const close = async () => {
    connection.close();
    host?.close();
    for (const client of wss.clients) client.terminate();
    await Promise.race([new Promise<void>((resolve) => wss.close(() => resolve())), sleep(2000)]);
  };
  connection.connect();
  try {
    await within(Promise.all([peerOpen, hostOpened]), 'GuestConnection and the host peer');
  } catch (err) {
    await close();
    throw err;
  }
  return { connection, host: host!, close };
}
