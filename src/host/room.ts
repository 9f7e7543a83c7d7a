// The guest list of the session: who is connected, where their pointer is, and
// whether it is hidden. A guest is hidden when the host muted it or muted
// everyone; the two are independent. Reports joins, leaves, visibility changes
// and a throttled "changed" signal; knows no transport.

import { Emitter } from '../common/emitter.js';
import { throttle } from '../common/throttle.js';
import { POINTER_INTERVAL_MS, type GuestRecord } from '../protocol/index.js';
import type { TransportKind } from '../transport/transport.js';
import type { Guest } from './guest.js';

export type RoomEvents = {
  connected: (guest: Guest) => void;
  disconnected: (guest: Guest) => void;
  /** A connected guest's `isHidden` changed. */
  visibility: (guest: Guest) => void;
  /** The list, a pointer or a visibility changed; at most once per `POINTER_INTERVAL_MS`. */
  changed: (guests: Guest[]) => void;
};

interface Member {
  guest: Guest;
  /** Muted by `muteGuest`, independent of mute-all. */
  muted: boolean;
}

export class Room extends Emitter<RoomEvents> {
  private readonly members = new Map<string, Member>();
  private allMuted = false;
  private readonly notify = throttle(() => this.emit('changed', this.list()), POINTER_INTERVAL_MS);

  /** Connected guests, oldest first (copies: callers may keep them). */
  list(): Guest[] {
    return [...this.members.values()].map((m) => ({ ...m.guest }));
  }

  get(guestId: string): Guest | undefined {
    const m = this.members.get(guestId);
    return m && { ...m.guest };
  }

  /** True when the guest is hidden; an unknown guest counts as hidden (nothing of it is drawn). */
  isHidden(guestId: string): boolean {
    return this.members.get(guestId)?.guest.isHidden ?? true;
  }

  has(guestId: string): boolean {
    return this.members.has(guestId);
  }

  get size(): number {
    return this.members.size;
  }

  get muteAll(): boolean {
    return this.allMuted;
  }

  /**
   * A guest's link opened (its page data travels by `connection`). For a guest
   * already connected, only a change of connection is noted. `muted` carries an earlier mute over.
   */
  connect(record: GuestRecord, muted = false, connection: TransportKind | null = null): void {
    const member = this.members.get(record.id);
    if (member) {
      if (member.guest.connection !== connection) {
        member.guest.connection = connection;
        this.notify();
      }
      return;
    }
    const guest: Guest = {
      id: record.id, name: record.name, isHidden: muted || this.allMuted, x: null, y: null, joinedAt: record.joinedAt, connection,
    };
    this.members.set(guest.id, { guest, muted });
    this.emit('connected', { ...guest });
    this.notify();
  }

  disconnect(guestId: string): void {
    const m = this.members.get(guestId);
    if (!m) return;
    this.members.delete(guestId);
    this.emit('disconnected', { ...m.guest });
    this.notify();
  }

  movePointer(guestId: string, x: number, y: number): void {
    const g = this.members.get(guestId)?.guest;
    if (!g || (g.x === x && g.y === y)) return;
    g.x = x;
    g.y = y;
    this.notify();
  }

  /** Mutes or unmutes one guest. Returns false for an unknown guest. */
  setMuted(guestId: string, muted: boolean): boolean {
    const m = this.members.get(guestId);
    if (!m) return false;
    m.muted = muted;
    this.refresh(m);
    return true;
  }

  /** Mutes or unmutes everyone, independently of each guest's own mute. */
  setMuteAll(muted: boolean): void {
    this.allMuted = muted;
    for (const m of this.members.values()) this.refresh(m);
  }

  /** Stops pending notifications. Idempotent. */
  destroy(): void {
    this.notify.cancel();
    this.members.clear();
    this.removeAllListeners();
  }

  private refresh(m: Member): void {
    const hidden = m.muted || this.allMuted;
    if (m.guest.isHidden === hidden) return;
    m.guest.isHidden = hidden;
    this.emit('visibility', { ...m.guest });
    this.notify();
  }
}
