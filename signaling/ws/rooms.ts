// Live presence: which host socket and which guests (with their sockets) are
// connected to each session right now. Not stored: sockets do not survive a restart.

import type { GuestRecord, ServerToGuest, ServerToHost } from '../../src/protocol/index.js';
import type { Client } from './client.js';

/** A connected guest. */
export interface GuestEntry {
  record: GuestRecord;
  client: Client<ServerToGuest>;
}

/** Everyone connected to one session. */
export interface Room {
  host: Client<ServerToHost> | null;
  /** In join order. */
  guests: Map<string, GuestEntry>;
}

/** The rooms of all sessions with someone connected. */
export class Rooms {
  private readonly rooms = new Map<string, Room>();

  /** The session's host socket, if connected. */
  host(sessionId: string): Client<ServerToHost> | undefined {
    return this.rooms.get(sessionId)?.host ?? undefined;
  }

  /** Makes `client` the session's host socket; returns the one it replaces. */
  setHost(sessionId: string, client: Client<ServerToHost>): Client<ServerToHost> | undefined {
    const room = this.ensure(sessionId);
    const previous = room.host ?? undefined;
    room.host = client;
    return previous === client ? undefined : previous;
  }

  /** Forgets `client` as host, unless another socket replaced it already. True when it was the host. */
  removeHost(sessionId: string, client: Client<ServerToHost>): boolean {
    const room = this.rooms.get(sessionId);
    if (!room || room.host !== client) return false;
    room.host = null;
    this.dropIfEmpty(sessionId, room);
    return true;
  }

  /** Adds a connected guest. */
  addGuest(sessionId: string, entry: GuestEntry): void {
    this.ensure(sessionId).guests.set(entry.record.id, entry);
  }

  /** Removes a guest. True when it was there. */
  removeGuest(sessionId: string, guestId: string): boolean {
    const room = this.rooms.get(sessionId);
    if (!room || !room.guests.delete(guestId)) return false;
    this.dropIfEmpty(sessionId, room);
    return true;
  }

  /** A connected guest of the session. */
  guest(sessionId: string, guestId: string): GuestEntry | undefined {
    return this.rooms.get(sessionId)?.guests.get(guestId);
  }

  /** The session's connected guests, in join order. */
  guests(sessionId: string): GuestRecord[] {
    return [...(this.rooms.get(sessionId)?.guests.values() ?? [])].map((g) => g.record);
  }

  /** Number of connected guests. */
  guestCount(sessionId: string): number {
    return this.rooms.get(sessionId)?.guests.size ?? 0;
  }

  /** Removes the session's room and returns it (to close everyone in it). */
  take(sessionId: string): Room | undefined {
    const room = this.rooms.get(sessionId);
    this.rooms.delete(sessionId);
    return room;
  }

  /** Ids of sessions with someone connected. */
  sessionIds(): string[] {
    return [...this.rooms.keys()];
  }

  private ensure(sessionId: string): Room {
    let room = this.rooms.get(sessionId);
    if (!room) {
      room = { host: null, guests: new Map() };
      this.rooms.set(sessionId, room);
    }
    return room;
  }

  private dropIfEmpty(sessionId: string, room: Room): void {
    if (!room.host && room.guests.size === 0) this.rooms.delete(sessionId);
  }
}
