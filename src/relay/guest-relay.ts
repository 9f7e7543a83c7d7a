// The guest's side of the relay: its own socket with one channel to the host.
// The guest starts each handshake: when the server says the host's relay
// socket is there (at once if it is, or when it (re)appears), and when the
// host asks it to use the relay again.

import { PROTOCOL_VERSION } from '../protocol/index.js';
import { RelayChannel } from './relay-channel.js';
import { RelayOutbox } from './relay-outbox.js';
import { RelaySocket } from './relay-socket.js';

export interface GuestRelayOptions {
  /** `ws(s)://…/relay` of the server. */
  url: string;
  guestId: string;
  resumeToken: string;
  /** The link's secret (hand-shared links): the host's hello must carry its MAC. */
  secret?: string;
  WebSocket?: typeof WebSocket;
}

/** Opens the guest's relay socket; the channel closes with it. */
export function openGuestRelay(options: GuestRelayOptions): { channel: RelayChannel; restart(): void } {
  const { url, guestId, resumeToken, secret, WebSocket } = options;
  const socket = new RelaySocket(url, { type: 'relay-hello', v: PROTOCOL_VERSION, role: 'guest', guestId, resumeToken }, WebSocket);
  // A guest sends only small requests and pointers: its queue never overflows in practice, and would lose nothing that matters.
  const outbox = new RelayOutbox(socket, () => {});
  const channel = new RelayChannel({ enqueue: (seal, bytes) => outbox.push(seal, bytes) }, { role: 'guest', guestId, ...(secret ? { secret } : {}) });
  let hostThere = false;
  socket.on('frame', (frame) => channel.receive(frame));
  socket.on('control', (m) => {
    if (m.type !== 'relay-peer') return;
    hostThere = m.present;
    if (m.present) channel.start();
  });
  socket.on('close', (reason) => channel.wireClosed(`Relay socket closed: ${reason}`));
  channel.on('close', () => socket.close());
  return {
    channel,
    restart: () => {
      if (socket.isReady && hostThere) channel.start();
    },
  };
}
