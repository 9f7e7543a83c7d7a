// The host's side of the relay: one socket for the whole session, opened when
// the first guest needs it, carrying a channel per relayed guest.

import { addressToGuest, PROTOCOL_VERSION, readGuestFrame, type RelayHello } from '../protocol/index.js';
import { RelayChannel, type RelayChannelOptions } from './relay-channel.js';
import { RelaySocket } from './relay-socket.js';

export interface HostRelayOptions {
  /** `ws(s)://…/relay` of the server. */
  url: string;
  sessionId: string;
  hostToken: string;
  WebSocket?: typeof WebSocket;
}

export class HostRelay {
  private socket: RelaySocket | null = null;
  private readonly channels = new Map<string, RelayChannel>();
  private closed = false;

  constructor(private readonly options: HostRelayOptions) {}

  /** A new channel to `guestId` (replacing an older one). The guest's hello opens it. */
  channel(guestId: string, auth: Pick<RelayChannelOptions, 'secret' | 'requireAuth'>): RelayChannel {
    const socket = this.connect();
    const channel = new RelayChannel({
      send: (body) => socket.send(addressToGuest(guestId, body)),
      get bufferedAmount() { return socket.bufferedAmount; },
    }, { role: 'host', guestId, ...auth });
    this.channels.get(guestId)?.close();
    if (this.closed) {
      channel.close();
      return channel;
    }
    this.channels.set(guestId, channel);
    channel.on('close', () => {
      if (this.channels.get(guestId) === channel) this.channels.delete(guestId);
    });
    return channel;
  }

  /** Closes the socket and every channel. Idempotent. */
  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private connect(): RelaySocket {
    if (this.socket) return this.socket;
    const { url, sessionId, hostToken, WebSocket } = this.options;
    const hello: RelayHello = { type: 'relay-hello', v: PROTOCOL_VERSION, role: 'host', sessionId, hostToken };
    const socket = new RelaySocket(url, hello, WebSocket);
    this.socket = socket;
    socket.on('frame', (frame) => {
      const read = readGuestFrame(frame);
      if (read) this.channels.get(read.from)?.receive(read.body);
    });
    socket.on('control', (m) => {
      if (m.type === 'relay-busy') this.channels.get(m.guestId)?.setBusy(m.busy);
      else if (m.type === 'relay-peer' && m.guestId && !m.present) this.channels.get(m.guestId)?.wireClosed('The guest left the relay');
    });
    socket.on('drain', () => {
      for (const c of this.channels.values()) c.drained();
    });
    socket.on('close', (reason) => {
      if (this.socket === socket) this.socket = null;
      for (const c of [...this.channels.values()]) c.wireClosed(`Relay socket closed: ${reason}`);
      this.channels.clear();
    });
    return socket;
  }
}
