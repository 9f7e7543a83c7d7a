// Live presence: which host socket and which guests are in each session right
// now. A guest whose socket dropped stays, without a socket, while it may still
// resume (see presence.ts). Not stored: sockets do not survive a restart.

import type { GuestRecord, ServerToGuest, ServerToHost } from '../../src/protocol/index.js';
import type { Client } from './client.js';

/** A guest in the session. */
export interface GuestEntry {
  record: GuestRecord;
  /** Its socket; null while it is away (socket lost, within its grace period). */
  client: Client<ServerToGuest> | null;
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

  /** @param guestRemoved hears of each guest that leaves the room for good (left, or removed) */
  constructor(private readonly guestRemoved: (sessionId: string, guestId: string) => void = () => {}) {}

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

  /** Adds a guest (with its socket, or without one while it is away). */
  addGuest(sessionId: string, entry: GuestEntry): void {
    this.ensure(sessionId).guests.set(entry.record.id, entry);
  }

  /**
   * Gives a guest of the session a new socket (it resumed); returns the socket
   * it replaces, if any. False when the guest is not in the session.
   */
  attachGuest(sessionId: string, guestId: string, client: Client<ServerToGuest>): { previous: Client<ServerToGuest> | null } | false {
    const entry = this.guest(sessionId, guestId);
    if (!entry) return false;
    const previous = entry.client === client ? null : entry.client;
    entry.client = client;
    return { previous };
  }

  /** Takes `client` away from its guest, which stays in the room (away). False when it is not that guest's socket any more. */
  detachGuest(sessionId: string, guestId: string, client: Client<ServerToGuest>): boolean {
    const entry = this.guest(sessionId, guestId);
    if (!entry || entry.client !== client) return false;
    entry.client = null;
    return true;
  }

  /** Removes a guest. True when it was there. */
  removeGuest(sessionId: string, guestId: string): boolean {
    const room = this.rooms.get(sessionId);
    if (!room || !room.guests.delete(guestId)) return false;
    this.dropIfEmpty(sessionId, room);
    this.guestRemoved(sessionId, guestId);
    return true;
  }

  /** A guest of the session (connected or away). */
  guest(sessionId: string, guestId: string): GuestEntry | undefined {
    return this.rooms.get(sessionId)?.guests.get(guestId);
  }

  /** The session's guests (connected or away), in join order. */
  guests(sessionId: string): GuestRecord[] {
    return [...(this.rooms.get(sessionId)?.guests.values() ?? [])].map((g) => g.record);
  }

  /** Number of guests (connected or away). */
  guestCount(sessionId: string): number {
    return this.rooms.get(sessionId)?.guests.size ?? 0;
  }

  /** Removes the session's room and returns it (to close everyone in it). */
  take(sessionId: string): Room | undefined {
    const room = this.rooms.get(sessionId);
    this.rooms.delete(sessionId);
    return room;
  }

  /** Hosts with a socket here, and guests with one or away (a walk over every room: for scrapes, not for hot paths). */
  census(): { hosts: number; guests: number; guestsAway: number } {
    const census = { hosts: 0, guests: 0, guestsAway: 0 };
    for (const room of this.rooms.values()) {
      if (room.host) census.hosts++;
      for (const g of room.guests.values()) {
        if (g.client) census.guests++;
        else census.guestsAway++;
      }
    }
    return census;
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
