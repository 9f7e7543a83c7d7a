// The relay's routing: per session, the relay sockets on this server (the
// host's, its guests'), and the session's topic on the bus while it has any.
// A frame from the host is published for one guest or for every relayed
// guest, a frame from a guest for the host with the guest's id in front;
// whichever server holds the recipient's relay socket writes it. Bodies are
// sealed end to end: the switch reads only the routing header, never a body.
// A guest the server holds too much for is closed; it comes back with a fresh
// snapshot (its host's one queue cannot pause for one guest: see relay-outbox.ts).

import { WebSocket } from 'ws';
import {
  addressFromGuest, CloseCode, readHostFrame, type RelayControl,
} from '../../src/protocol/index.js';
import type { Bus, Delivery, RelayEnd, Recipient } from '../bus/bus.js';
import { SessionRooms, type SessionRoom } from '../bus/session-rooms.js';

/** A guest the server holds more than this for is closed. */
export const MAX_GUEST_BACKLOG_BYTES = 32 * 1024 * 1024;
/** Close code of a relay socket that fell too far behind. */
export const CLOSE_TOO_SLOW = 4008;
/** A host socket the server holds more than this for stops getting guest frames (they are small requests). */
const MAX_HOST_BACKLOG_BYTES = 8 * 1024 * 1024;

/** What the relay counts (per server; `/metrics` reports them). */
export interface RelayCounters {
  /** Bytes received from relay sockets and bytes written to them. */
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  /** Frames that had a malformed header, or met a full backlog. */
  dropped: number;
}

interface End {
  ws: WebSocket;
  /** Bytes handed to the socket and not yet written. */
  backlog: number;
  /**
   * The other ends this socket was told are present (guest ids for the host's
   * socket, 'host' for a guest's): an end learns of another both by its
   * announcement and by its answer, and is told once.
   */
  told: Set<string>;
}

type RelayRoom = SessionRoom<End, End>;

export class RelaySwitch {
  private readonly rooms: SessionRooms<End, End>;
  readonly counters: RelayCounters = { bytesIn: 0, bytesOut: 0, framesIn: 0, dropped: 0 };

  constructor(private readonly bus: Bus) {
    this.rooms = new SessionRooms(bus, (sessionId, room, delivery) => this.deliver(sessionId, room, delivery));
  }

  /** Number of relay sockets attached here. */
  get size(): number {
    let n = 0;
    for (const room of this.rooms.all()) n += room.guests.size + (room.host ? 1 : 0);
    return n;
  }

  /**
   * The host's relay socket for `sessionId` (replacing an older one here,
   * closed with 4000). Once frames can reach it, it gets `relay-ready`, then
   * the guests hear of it (and it of them).
   */
  async attachHost(sessionId: string, ws: WebSocket): Promise<void> {
    const room = this.rooms.open(sessionId);
    const previous = room.host;
    room.host = { ws, backlog: 0, told: new Set() };
    previous?.ws.close(CloseCode.REPLACED, 'replaced');
    await this.ready(room, ws);
    this.announce(sessionId, { role: 'guests' }, { role: 'host' }, true);
  }

  /** A guest's relay socket (replacing an older one here of the same guest): as for the host's, with the host told. */
  async attachGuest(sessionId: string, guestId: string, ws: WebSocket): Promise<void> {
    const room = this.rooms.open(sessionId);
    const previous = room.guests.get(guestId);
    room.guests.set(guestId, { ws, backlog: 0, told: new Set() });
    previous?.ws.close(CloseCode.REPLACED, 'replaced');
    await this.ready(room, ws);
    this.announce(sessionId, { role: 'host' }, { role: 'guest', guestId }, true);
  }

  /** A relay socket closed: forget it (if it is still the current one) and tell the other side. */
  detach(sessionId: string, ws: WebSocket, guestId: string | null): void {
    const room = this.rooms.get(sessionId);
    if (!room) return;
    if (guestId === null) {
      if (room.host?.ws !== ws) return;
      room.host = null;
      this.announce(sessionId, { role: 'guests' }, { role: 'host' }, false);
    } else {
      if (room.guests.get(guestId)?.ws !== ws) return;
      room.guests.delete(guestId);
      this.announce(sessionId, { role: 'host' }, { role: 'guest', guestId }, false);
    }
    this.rooms.prune(sessionId);
  }

  /** A binary frame from the session's host: published for the guest(s) its header names. False when malformed. */
  fromHost(sessionId: string, frame: Uint8Array): boolean {
    this.countIn(frame);
    const read = readHostFrame(frame);
    if (!read) {
      this.counters.dropped++;
      return false;
    }
    const to: Recipient = read.to === null ? { role: 'guests' } : { role: 'guest', guestId: read.to };
    this.bus.publish(sessionId, { op: 'frame', to, bytes: read.body });
    return true;
  }

  /** A binary frame from a guest: published for its host, with the guest's id in front. */
  fromGuest(sessionId: string, guestId: string, frame: Uint8Array): void {
    this.countIn(frame);
    this.bus.publish(sessionId, { op: 'frame', to: { role: 'host' }, bytes: addressFromGuest(guestId, frame) });
  }

  /** Stops listening on every session's topic (shutdown; the hub closes the sockets). */
  close(): void {
    this.rooms.close();
  }

  private async ready(room: RelayRoom, ws: WebSocket): Promise<void> {
    await room.ready;
    sendControl(ws, { type: 'relay-ready' });
  }

  private announce(sessionId: string, to: Recipient, from: RelayEnd, present: boolean, answer = false): void {
    this.bus.publish(sessionId, { op: 'relay-peer', to, from, present, answer });
  }

  private deliver(sessionId: string, room: RelayRoom, delivery: Delivery): void {
    if (delivery.op === 'send' || (delivery.op === 'close' && delivery.lane !== 'relay')) return;
    const ends = endsOf(room, delivery.to);
    switch (delivery.op) {
      case 'frame':
        for (const [guestId, end] of ends) this.writeFrame(end, delivery.bytes, guestId);
        return;
      case 'relay-peer':
        for (const [guestId, end] of ends) {
          const from = delivery.from;
          const who = from.role === 'guest' ? from.guestId : 'host';
          if (end.told.has(who) !== delivery.present) {
            if (delivery.present) end.told.add(who);
            else end.told.delete(who);
            sendControl(end.ws, guestId === null && from.role === 'guest'
              ? { type: 'relay-peer', guestId: from.guestId, present: delivery.present }
              : { type: 'relay-peer', present: delivery.present });
          }
          // Told of a newcomer: it learns of this end in turn.
          if (delivery.present && !delivery.answer) {
            this.announce(sessionId, from, guestId === null ? { role: 'host' } : { role: 'guest', guestId }, true, true);
          }
        }
        return;
      case 'close':
        // The other side hears it went once it has closed (see `detach`).
        for (const [, end] of ends) end.ws.close(delivery.code, delivery.reason);
    }
  }

  /** Writes a frame delivered for `end` (a guest's when `guestId` is not null); drops it, or closes a slow guest, past the backlog limits. */
  private writeFrame(end: End, bytes: Uint8Array, guestId: string | null): void {
    if (guestId === null && end.backlog > MAX_HOST_BACKLOG_BYTES) {
      this.counters.dropped++;
      return;
    }
    this.write(end, bytes);
    if (guestId !== null && end.backlog > MAX_GUEST_BACKLOG_BYTES) end.ws.close(CLOSE_TOO_SLOW, 'too slow');
  }

  private countIn(frame: Uint8Array): void {
    this.counters.framesIn++;
    this.counters.bytesIn += frame.length;
  }

  private write(end: End, bytes: Uint8Array): void {
    if (end.ws.readyState !== WebSocket.OPEN) return;
    end.backlog += bytes.length;
    this.counters.bytesOut += bytes.length;
    end.ws.send(bytes, { binary: true }, () => {
      end.backlog -= bytes.length;
    });
  }
}

/** The ends of the room a recipient names, each with its guest id (null: the host's). */
function endsOf(room: RelayRoom, to: Recipient): [string | null, End][] {
  if (to.role === 'host') return room.host ? [[null, room.host]] : [];
  if (to.role === 'guests') return [...room.guests];
  const end = room.guests.get(to.guestId);
  return end ? [[to.guestId, end]] : [];
}

/** Sends a control message to a relay socket that is still open. */
export function sendControl(ws: WebSocket, message: RelayControl): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}
