// Who is away, and for how long they are waited for. A host whose socket
// closed (navigation, reload, lost network), or whose page has not connected
// since it created the session, has the host grace to come back with
// `host-hello` before its session ends; a guest whose socket closed has
// the guest grace to come back with `guest-resume` before it leaves. Nobody is
// told about an absence that ends in time. After a restart everyone starts away.

import type { LogFn } from '../config.js';
import type { GuestService } from '../guests.js';
import type { SessionService } from '../sessions.js';
import type { Store } from '../state/store.js';
import type { Rooms } from './rooms.js';

/** Collaborators and settings of presence. */
export interface PresenceOptions {
  rooms: Rooms;
  sessions: SessionService;
  guests: GuestService;
  /** Read at `restore()`: the sessions to put back after a restart. */
  store: Store;
  /** How long a session waits for its host, in milliseconds. */
  hostGraceMs: number;
  /** How long a guest's place is kept, in milliseconds. */
  guestGraceMs: number;
  /** True while a session waits for its hosting invite to be claimed: nobody is expected to host it yet. */
  awaitsClaim: (sessionId: string) => Promise<boolean>;
  log: LogFn;
}

/** The grace timers of every away host and guest. */
export class Presence {
  /** By session id. */
  private readonly hostTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** By guest id. */
  private readonly guestTimers = new Map<string, { sessionId: string; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;

  constructor(private readonly options: PresenceOptions) {}

  /**
   * After a restart (no socket survives one): every guest still in a running
   * realtime session is back in its room, away; every such session waits for
   * its host, unless its hosting invite was never claimed.
   */
  async restore(): Promise<void> {
    const { store, rooms, guests, awaitsClaim } = this.options;
    const running = (await store.allSessions()).filter((s) => s.endedAt === null && !s.isReplay);
    await Promise.all(running.map(async (session) => {
      const [present, unclaimed] = await Promise.all([guests.present(session.id), awaitsClaim(session.id)]);
      for (const record of present) {
        rooms.addGuest(session.id, { record, client: null });
        this.guestAway(session.id, record.id);
      }
      if (!unclaimed) this.hostAway(session.id);
    }));
  }

  /** The session has no host socket: it ends unless a host comes back within the grace. */
  hostAway(sessionId: string): void {
    if (this.closed) return;
    this.hostBack(sessionId);
    const timer = setTimeout(() => {
      this.hostTimers.delete(sessionId);
      if (this.options.rooms.host(sessionId)) return;
      this.options.log(`no host in ${sessionId} within the grace of ${seconds(this.options.hostGraceMs)}`);
      this.options.sessions.endInBackground(sessionId, 'host-ended');
    }, this.options.hostGraceMs);
    this.hostTimers.set(sessionId, timer);
  }

  /** A host socket of the session was admitted: its grace (if any) is over. */
  hostBack(sessionId: string): void {
    clearTimeout(this.hostTimers.get(sessionId));
    this.hostTimers.delete(sessionId);
  }

  /** The guest lost its socket (it stays in the room, away): it leaves unless it resumes within the grace. */
  guestAway(sessionId: string, guestId: string): void {
    if (this.closed) return;
    this.forgetGuest(guestId);
    const timer = setTimeout(() => {
      this.guestTimers.delete(guestId);
      if (this.options.rooms.guest(sessionId, guestId)?.client !== null) return; // Resumed, or gone already.
      void this.guestLeft(sessionId, guestId);
    }, this.options.guestGraceMs);
    this.guestTimers.set(guestId, { sessionId, timer });
  }

  /** The guest resumed, or was removed: its grace (if any) is over. */
  forgetGuest(guestId: string): void {
    clearTimeout(this.guestTimers.get(guestId)?.timer);
    this.guestTimers.delete(guestId);
  }

  /** The guest leaves for good now: out of the room and the store, then the host is told. Never rejects. */
  async guestLeft(sessionId: string, guestId: string): Promise<void> {
    this.forgetGuest(guestId);
    const { rooms, guests, log } = this.options;
    // After the session ended its room is gone: nobody is told about this guest leaving.
    if (!rooms.removeGuest(sessionId, guestId)) return;
    try {
      await guests.markLeft(guestId);
    } catch (err) {
      // Gone from the room all the same: the host is told, and the stored guest is settled when its session ends.
      log(`guest ${guestId} of ${sessionId} not stored as left: ${(err as Error)?.stack ?? String(err)}`);
    }
    rooms.host(sessionId)?.send({ type: 'guest-left', guestId });
    log(`guest ${guestId} left ${sessionId}`);
  }

  /** The session ended: nobody of it is waited for any more. */
  sessionEnded(sessionId: string): void {
    this.hostBack(sessionId);
    for (const [guestId, entry] of this.guestTimers) if (entry.sessionId === sessionId) this.forgetGuest(guestId);
  }

  /** Stops every timer and starts no more (shutdown: the absences are settled after the next start). Idempotent. */
  close(): void {
    this.closed = true;
    for (const timer of this.hostTimers.values()) clearTimeout(timer);
    for (const { timer } of this.guestTimers.values()) clearTimeout(timer);
    this.hostTimers.clear();
    this.guestTimers.clear();
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
