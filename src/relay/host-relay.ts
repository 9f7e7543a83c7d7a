// The host's side of the relay: one socket for the whole session, opened when
// the first guest needs it, carrying a channel per relayed guest and the
// group: page data for every relayed guest is sealed once under the group key
// and fanned out by the server, so the host uploads a batch once however many
// guests it has there. A guest that leaves the group starts a new epoch.

import {
  addressToGroup, addressToGuest, PROTOCOL_VERSION, readGuestFrame, toFrames, type Payload, type RelayHello,
} from '../protocol/index.js';
import { RelayChannel, RELAY_CHUNK_BYTES, type RelayChannelOptions } from './relay-channel.js';
import { GroupSealer } from './relay-crypto.js';
import { RelayOutbox } from './relay-outbox.js';
import { RelaySocket } from './relay-socket.js';

export interface HostRelayOptions {
  /** `ws(s)://…/relay` of the server. */
  url: string;
  sessionId: string;
  hostToken: string;
  /** The socket's queue overflowed: these group members need fresh snapshots. */
  onOverflow?: (guestIds: string[]) => void;
  WebSocket?: typeof WebSocket;
}

interface Connection {
  socket: RelaySocket;
  outbox: RelayOutbox;
}

export class HostRelay {
  private connection: Connection | null = null;
  private readonly channels = new Map<string, RelayChannel>();
  /** Guests that get the group's frames (open on the relay, and sent a snapshot). */
  private readonly members = new Set<string>();
  private group: GroupSealer | null = null;
  private epoch = 0;
  private closed = false;

  constructor(private readonly options: HostRelayOptions) {}

  /** Bytes handed to the relay socket so far. */
  get bytesSent(): number {
    return this.connection?.outbox.bytesSent ?? 0;
  }

  /** A new channel to `guestId` (replacing an older one). The guest's hello opens it. */
  channel(guestId: string, auth: Pick<RelayChannelOptions, 'secret' | 'requireAuth'>): RelayChannel {
    const { outbox } = this.connect();
    const channel = new RelayChannel({
      enqueue: (seal, bytes) => outbox.push(async () => addressToGuest(guestId, await seal()), bytes),
    }, { role: 'host', guestId, ...auth });
    this.channels.get(guestId)?.close();
    if (this.closed) {
      channel.close();
      return channel;
    }
    this.channels.set(guestId, channel);
    channel.on('close', () => {
      if (this.channels.get(guestId) !== channel) return;
      this.channels.delete(guestId);
      this.leave(guestId);
    });
    return channel;
  }

  /** True when `guestId` gets the group's frames. */
  isMember(guestId: string): boolean {
    return this.members.has(guestId);
  }

  get hasMembers(): boolean {
    return this.members.size > 0;
  }

  /** `guestId` (open on the relay) gets the group's frames from now on: it is handed the current key first. */
  join(guestId: string): void {
    const channel = this.channels.get(guestId);
    if (!channel?.isOpen) return;
    this.group ??= new GroupSealer(++this.epoch);
    this.members.add(guestId);
    channel.sendGroupKey(this.group.handover());
  }

  /** `guestId` no longer gets the group's frames: a new epoch begins, handed to the others only. */
  leave(guestId: string): void {
    if (!this.members.delete(guestId)) return;
    this.group = null;
    if (this.members.size === 0) return;
    const group = new GroupSealer(++this.epoch);
    this.group = group;
    for (const id of this.members) this.channels.get(id)?.sendGroupKey(group.handover());
  }

  /** The group as a recipient of broadcasts: one sealed copy of each frame for every member. */
  readonly groupSink = {
    sendPayload: (payload: Payload): void => {
      const group = this.group;
      const connection = this.connection;
      if (!group || !connection || this.members.size === 0) return;
      for (const frame of toFrames(payload, RELAY_CHUNK_BYTES)) {
        connection.outbox.push(async () => addressToGroup(await group.seal(frame)), frame.length);
      }
    },
  };

  /** Closes the socket and every channel. Idempotent. */
  close(): void {
    this.closed = true;
    this.connection?.socket.close();
  }

  private connect(): Connection {
    if (this.connection) return this.connection;
    const { url, sessionId, hostToken, WebSocket } = this.options;
    const hello: RelayHello = { type: 'relay-hello', v: PROTOCOL_VERSION, role: 'host', sessionId, hostToken };
    const socket = new RelaySocket(url, hello, WebSocket);
    const outbox = new RelayOutbox(socket, () => this.options.onOverflow?.([...this.members]));
    const connection = { socket, outbox };
    this.connection = connection;
    socket.on('frame', (frame) => {
      const read = readGuestFrame(frame);
      if (read) this.channels.get(read.from)?.receive(read.body);
    });
    socket.on('control', (m) => {
      if (m.type === 'relay-peer' && m.guestId && !m.present) this.channels.get(m.guestId)?.wireClosed('The guest left the relay');
    });
    socket.on('close', (reason) => {
      if (this.connection === connection) this.connection = null;
      for (const c of [...this.channels.values()]) c.wireClosed(`Relay socket closed: ${reason}`);
      this.channels.clear();
      this.members.clear();
      this.group = null;
    });
    return connection;
  }
}
