// The relay's routing: per session, the host's relay socket and its guests'
// sockets; frames from the host go to one guest or to every relayed guest,
// frames from a guest go to the host with the guest's id in front. Bodies are
// sealed end to end: the switch reads only the routing header, never a body.
// A guest the server holds too much for is closed; it comes back with a fresh
// snapshot (its host's one queue cannot pause for one guest: see relay-outbox.ts).

import { WebSocket } from 'ws';
import {
  addressFromGuest, CloseCode, readHostFrame, type RelayControl,
} from '../../src/protocol/index.js';

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
  /** Frames that named no routable guest, had a malformed header, or met a full backlog. */
  dropped: number;
}

interface End {
  ws: WebSocket;
  /** Bytes handed to the socket and not yet written. */
  backlog: number;
}

interface RelayRoom {
  host: End | null;
  guests: Map<string, End>;
}

export class RelaySwitch {
  private readonly rooms = new Map<string, RelayRoom>();
  readonly counters: RelayCounters = { bytesIn: 0, bytesOut: 0, framesIn: 0, dropped: 0 };

  /** Number of relay sockets attached. */
  get size(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.guests.size + (room.host ? 1 : 0);
    return n;
  }

  /** The host's relay socket for `sessionId` (replacing an older one, closed with 4000). */
  attachHost(sessionId: string, ws: WebSocket): void {
    const room = this.room(sessionId);
    const previous = room.host;
    room.host = { ws, backlog: 0 };
    previous?.ws.close(CloseCode.REPLACED, 'replaced');
    for (const [guestId, guest] of room.guests) {
      sendControl(ws, { type: 'relay-peer', guestId, present: true });
      sendControl(guest.ws, { type: 'relay-peer', present: true });
    }
  }

  /** A guest's relay socket (replacing an older one of the same guest). */
  attachGuest(sessionId: string, guestId: string, ws: WebSocket): void {
    const room = this.room(sessionId);
    const previous = room.guests.get(guestId);
    room.guests.set(guestId, { ws, backlog: 0 });
    previous?.ws.close(CloseCode.REPLACED, 'replaced');
    if (room.host) {
      sendControl(room.host.ws, { type: 'relay-peer', guestId, present: true });
      sendControl(ws, { type: 'relay-peer', present: true });
    }
  }

  /** A relay socket closed: forget it (if it is still the current one) and tell the other side. */
  detach(sessionId: string, ws: WebSocket, guestId: string | null): void {
    const room = this.rooms.get(sessionId);
    if (!room) return;
    if (guestId === null) {
      if (room.host?.ws !== ws) return;
      room.host = null;
      for (const guest of room.guests.values()) sendControl(guest.ws, { type: 'relay-peer', present: false });
    } else {
      if (room.guests.get(guestId)?.ws !== ws) return;
      room.guests.delete(guestId);
      if (room.host) sendControl(room.host.ws, { type: 'relay-peer', guestId, present: false });
    }
    if (!room.host && room.guests.size === 0) this.rooms.delete(sessionId);
  }

  /** A binary frame from the session's host: routed by its header. False when malformed. */
  fromHost(sessionId: string, frame: Uint8Array): boolean {
    this.countIn(frame);
    const read = readHostFrame(frame);
    const room = this.rooms.get(sessionId);
    if (!read) {
      this.counters.dropped++;
      return false;
    }
    if (!room?.host) return true;
    const targets = read.to === null ? [...room.guests] : [[read.to, room.guests.get(read.to)] as const];
    for (const [guestId, guest] of targets) {
      if (!guest) {
        this.counters.dropped++; // The guest just left: its last frames have nowhere to go.
        continue;
      }
      this.write(guest, read.body);
      if (guest.backlog > MAX_GUEST_BACKLOG_BYTES) guest.ws.close(CLOSE_TOO_SLOW, 'too slow');
    }
    return true;
  }

  /** A binary frame from a guest: to its host, with the guest's id in front. */
  fromGuest(sessionId: string, guestId: string, frame: Uint8Array): void {
    this.countIn(frame);
    const host = this.rooms.get(sessionId)?.host;
    if (!host || host.backlog > MAX_HOST_BACKLOG_BYTES) {
      this.counters.dropped++;
      return;
    }
    this.write(host, addressFromGuest(guestId, frame));
  }

  /** Closes every relay socket of a session (it ended). */
  endSession(sessionId: string): void {
    const room = this.rooms.get(sessionId);
    if (!room) return;
    this.rooms.delete(sessionId);
    room.host?.ws.close(CloseCode.NORMAL, 'session ended');
    for (const guest of room.guests.values()) guest.ws.close(CloseCode.NORMAL, 'session ended');
  }

  /** Closes a guest's relay socket (it was removed, or left). */
  dropGuest(sessionId: string, guestId: string): void {
    this.rooms.get(sessionId)?.guests.get(guestId)?.ws.close(CloseCode.NORMAL, 'removed');
  }

  private room(sessionId: string): RelayRoom {
    let room = this.rooms.get(sessionId);
    if (!room) {
      room = { host: null, guests: new Map() };
      this.rooms.set(sessionId, room);
    }
    return room;
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

/** Sends a control message to a relay socket that is still open. */
export function sendControl(ws: WebSocket, message: RelayControl): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}
