// This process's sockets of each session (a host's, its guests'), kept while
// there is one, and the session's topic on the bus listened to meanwhile: the
// shape both the signaling sockets and the relay sockets are kept in.

import type { Bus, Delivery, Listening } from './bus.js';

/** The sockets of one session on this process. */
export interface SessionRoom<H, G> {
  host: H | null;
  /** By guest id. */
  guests: Map<string, G>;
  /** Settles once deliveries of the session reach this process (see `Listening.ready`). */
  ready: Promise<void>;
}

export class SessionRooms<H, G> {
  private readonly rooms = new Map<string, SessionRoom<H, G> & { listening: Listening }>();

  /** `deliver` hears each delivery of a session while it has a room here. */
  constructor(
    private readonly bus: Bus,
    private readonly deliver: (sessionId: string, room: SessionRoom<H, G>, delivery: Delivery) => void,
  ) {}

  /** The session's room, if it has one. */
  get(sessionId: string): SessionRoom<H, G> | undefined {
    return this.rooms.get(sessionId);
  }

  /** The session's room, made (and its topic listened to) when it has none. */
  open(sessionId: string): SessionRoom<H, G> {
    let room = this.rooms.get(sessionId);
    if (!room) {
      const listening = this.bus.listen(sessionId, (delivery) => {
        const current = this.rooms.get(sessionId);
        if (current) this.deliver(sessionId, current, delivery);
      });
      room = { host: null, guests: new Map(), ready: listening.ready, listening };
      this.rooms.set(sessionId, room);
    }
    return room;
  }

  /** Drops the session's room (and stops listening) once it holds no socket. */
  prune(sessionId: string): void {
    const room = this.rooms.get(sessionId);
    if (!room || room.host !== null || room.guests.size > 0) return;
    room.listening.stop();
    this.rooms.delete(sessionId);
  }

  /** Every room (a walk over all: for counts, not for hot paths). */
  all(): IterableIterator<SessionRoom<H, G>> {
    return this.rooms.values();
  }

  /** Stops listening on every topic and forgets every room (shutdown). */
  close(): void {
    for (const room of this.rooms.values()) room.listening.stop();
    this.rooms.clear();
  }
}
